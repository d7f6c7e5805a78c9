/**
 * The audit viewer's lists in a real browser (see ../helpers/viewerBrowser.ts): customers,
 * found by each key a reviewer may have or by risk; open alerts, filtered by status and
 * customer; and the customers due for erasure or kept by a retention hold.
 */
import { join } from 'node:path';
import t from 'tap';
import { run as hold } from '../../src/cli/hold.js';
import { cliDeps, fixtureBody } from '../helpers/auditHarness.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';
import { openViewerInBrowser, type ViewerBrowser } from '../helpers/viewerBrowser.js';
import { HOSTILE_CUSTOMER_ID, JOURNEY } from '../helpers/viewerHarness.js';

const ui = await openViewerInBrowser(t);
if (ui !== undefined) listTests(ui);

function listTests({ base, customerUrl, newPage, shot, signIn, viewer }: ViewerBrowser): void {
  void t.test('a customer is found by each key a reviewer may have', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await shot(page, 'customers');
    const keys: [string, string][] = [
      ['ComPilot customer id', JOURNEY.customerId],
      ['external customer id', JOURNEY.externalCustomerId],
      ['wallet address', JOURNEY.wallet.toLowerCase()],
      ['wallet address', JOURNEY.wallet.toUpperCase().replace('0X', '0x')],
      ['email', JOURNEY.email.toUpperCase()],
    ];
    for (const [key, value] of keys) {
      await page.getByRole('searchbox').fill(value);
      await page.getByRole('button', { name: 'Search' }).click();
      const match = page.locator('.matches li', { hasText: JOURNEY.customerId });
      t.match(await match.textContent(), `matched by ${key}`, `found by ${key} (${value})`);
    }
    await page.getByRole('searchbox').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    t.match(await page.getByRole('status').textContent(), /No customer found/);

    await page.getByLabel('Risk score').selectOption('High');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('table tbody tr');
    t.equal(await rows.count(), 1, 'the risk filter keeps the one High-risk customer');
    t.match(await rows.first().textContent(), HOSTILE_CUSTOMER_ID);
    await page.locator('.matches, table').first().waitFor();
    await page.getByRole('link', { name: JOURNEY.customerId }).count();
  });

  void t.test('the alerts page lists open alerts by customer, filterable', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.waitForURL(`${base}/ui/alerts`);
    const row = page.locator('table tbody tr', { hasText: JOURNEY.alertId });
    t.match(await row.textContent(), JOURNEY.customerId);
    t.match(await row.textContent(), /Open/);
    await shot(page, 'alerts');

    await page.getByLabel('Status', { exact: true }).selectOption('Closed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=Closed/);
    t.equal(await page.locator('table tbody tr').count(), 0, 'no closed alert');
    t.match(await page.locator('main').textContent(), /No alerts/);

    await page.getByLabel('Status', { exact: true }).selectOption('open');
    await page.getByLabel('Customer id').fill(JOURNEY.customerId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/customerId=/);
    await page.getByRole('link', { name: JOURNEY.customerId }).click();
    await page.waitForURL(customerUrl);
  });

  void t.test('the retention page lists who is due for erasure and who is held', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await page.getByRole('link', { name: 'Retention' }).click();
    await page.waitForURL(`${base}/ui/retention`);
    t.match(await page.locator('main').textContent(), /No customer is due for erasure/);

    // Two customers ComPilot deleted in 2020; an authority's hold keeps the second.
    const due = '1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const held = '2e3d4c5b-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
    for (const [customerId, deletedAt] of [
      [due, '2020-02-01T10:00:00.000Z'],
      [held, '2020-03-01T10:00:00.000Z'],
    ] as const) {
      const createdAt = '2019-06-01T09:00:00.000Z';
      await viewer.deliver(fixtureBody('customer.created', { customerId, createdAt }));
      await viewer.deliver(fixtureBody('customer.deleted', { customerId, deletedAt }));
    }
    const deps = cliDeps({
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${join(viewer.dir, 'events.db')}`,
    });
    const code = await hold([held, '--reason', 'FIU request 2026/4'], deps);
    t.equal(code, 0, deps.errors());
    await viewer.settle();

    await page.reload();
    const dueRows = page.locator('section[aria-labelledby="due-heading"] tbody tr');
    t.equal(await dueRows.count(), 1, 'one customer is due');
    t.match(await dueRows.textContent(), due);
    t.match(await dueRows.textContent(), /2020-02-01 10:00:00Z.*deleted by ComPilot.*2025-01-31/);
    const heldRows = page.locator('section[aria-labelledby="held-heading"] tbody tr');
    t.equal(await heldRows.count(), 1, 'one customer is held');
    t.match(await heldRows.textContent(), new RegExp(`${held}.*until released`));
    await shot(page, 'retention');

    await dueRows.getByRole('link', { name: due }).click();
    await page.waitForURL(`${base}/ui/customers/${due}#retention`);
    t.match(await page.locator('#retention .badge').textContent(), /due for erasure/);
  });
}
