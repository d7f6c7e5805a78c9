/**
 * A customer's audit trail taken out of the viewer, in a real browser (see
 * ../helpers/viewerBrowser.ts): downloaded as NDJSON and CSV, and printed as a report.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { CSV_COLUMNS } from '../../src/cli/export.js';
import { openViewerInBrowser, type ViewerBrowser } from '../helpers/viewerBrowser.js';
import { JOURNEY } from '../helpers/viewerHarness.js';

const ui = await openViewerInBrowser(t);
if (ui !== undefined) auditReportTests(ui);

function auditReportTests({ customerUrl, newPage, shot, signIn, viewer }: ViewerBrowser): void {
  void t.test('the audit trail downloads as NDJSON and as CSV', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await page.goto(customerUrl);
    const stored = await viewer.service.store.readStream(`customer-${JOURNEY.customerId}`);

    const [ndjson] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'NDJSON' }).click(),
    ]);
    t.equal(ndjson.suggestedFilename(), `customer-${JOURNEY.customerId}.ndjson`);
    const lines = readFileSync(await ndjson.path(), 'utf8')
      .trim()
      .split('\n');
    t.equal(lines.length, stored.length, 'one line per stored event');
    const parsed = lines.map((line) => JSON.parse(line) as { id: string; data: string });
    t.same(
      parsed.map((event) => event.id),
      stored.map((event) => event.id),
    );
    t.equal(parsed[0]!.data, stored[0]!.data.toString('utf8'), 'with the exact raw body');

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'CSV' }).click(),
    ]);
    t.equal(csv.suggestedFilename(), `customer-${JOURNEY.customerId}.csv`);
    const text = readFileSync(await csv.path(), 'utf8');
    t.equal(text.split('\n')[0], CSV_COLUMNS.join(','), 'the export command columns');
  });

  void t.test('printed, the customer page is an audit report with its header', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await page.goto(customerUrl);
    const header = page.locator('.report-header');
    t.notOk(await header.isVisible(), 'the report header is for print only');
    await page.emulateMedia({ media: 'print' });
    t.ok(await header.isVisible());
    const text = (await header.textContent()) ?? '';
    t.match(text, `customer ${JOURNEY.customerId}`);
    t.match(text, /Generated \d{4}-\d{2}-\d{2}T/);
    t.match(text, /compilot-ledger \d+\.\d+\.\d+/);
    t.match(text, /checked against no checkpoint/);
    t.notOk(await page.locator('header.site').isVisible(), 'navigation is not printed');
    t.notOk(await page.locator('form').first().isVisible(), 'nor are forms');
    await shot(page, 'customer-print');
  });
}
