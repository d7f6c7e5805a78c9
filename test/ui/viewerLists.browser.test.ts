/**
 * The audit viewer's two lists in a real browser (see ../helpers/viewerBrowser.ts): customers,
 * found by each key a reviewer may have or by risk, and open alerts, filtered by status and
 * customer.
 */
import t from 'tap';
import { openViewerInBrowser, type ViewerBrowser } from '../helpers/viewerBrowser.js';
import { HOSTILE_CUSTOMER_ID, JOURNEY } from '../helpers/viewerHarness.js';

const ui = await openViewerInBrowser(t);
if (ui !== undefined) listTests(ui);

function listTests({ base, customerUrl, newPage, shot, signIn }: ViewerBrowser): void {
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
}
