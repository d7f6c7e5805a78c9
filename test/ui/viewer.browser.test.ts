/**
 * The audit viewer in a real browser: Debian's Chromium (CHROMIUM_PATH overrides the path)
 * driven by playwright-core, against the composed service on 127.0.0.1. One browser for the
 * file, one context per test. Screenshots of the main pages land in .tap/screenshots.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { CSV_COLUMNS } from '../../src/cli/export.js';
import { eraseCustomer } from '../../src/retention/erasure.js';
import { subjectKeysOf } from '../../src/retention/storeKeys.js';
import {
  HOSTILE,
  HOSTILE_CUSTOMER_ID,
  JOURNEY,
  VIEWER_TOKEN,
  seedHostileCustomer,
  seedJourney,
  startViewer,
} from '../helpers/viewerHarness.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(import.meta.dirname, '..', '..', '.tap', 'screenshots');

if (!existsSync(executablePath) && process.env.REQUIRE_BROWSER_TESTS === '1') {
  // CI (.ci/run) installs Chromium; there a missing browser is a failure, not a skip.
  t.fail(`no Chromium at ${executablePath}, and REQUIRE_BROWSER_TESTS=1`);
} else if (!existsSync(executablePath)) {
  const message =
    `SKIPPED the browser tests of the audit viewer: no Chromium at ${executablePath} ` +
    '(apt-get install -y chromium, or set CHROMIUM_PATH); CI installs it and runs them';
  process.stderr.write(`\n*** ${message} ***\n\n`);
  void t.skip(message, () => {});
} else {
  await browserTests();
}

async function browserTests(): Promise<void> {
  const browser: Browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  t.teardown(() => browser.close());
  mkdirSync(SCREENSHOTS, { recursive: true });

  const viewer = await startViewer(t);
  await seedJourney(viewer);
  await seedHostileCustomer(viewer);
  await viewer.settle();
  const base = viewer.service.url;
  const customerUrl = `${base}/ui/customers/${JOURNEY.customerId}`;

  /** A fresh context (cookies, storage) for one test, closed after it. */
  async function newPage(tt: Test): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    tt.teardown(() => context.close());
    return context.newPage();
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${base}/ui/`);
    await page.getByLabel('Query API token').fill(VIEWER_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/ui/`);
  }

  const shot = (page: Page, name: string, fullPage = true) =>
    page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });

  void t.test('a wrong token is refused and the right one signs in and out', async (t) => {
    const page = await newPage(t);
    await page.goto(`${base}/`);
    t.equal(new URL(page.url()).pathname, '/ui/sign-in', '/ leads to the sign-in page');
    await shot(page, 'sign-in');
    await page.getByLabel('Query API token').fill('certainly-not-the-token-000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await t.resolves(page.getByRole('alert').getByText('That token is not accepted').waitFor());
    t.equal(new URL(page.url()).pathname, '/ui/sign-in');

    await page.getByLabel('Query API token').fill(VIEWER_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/ui/`);
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Customers');
    t.notOk(page.url().includes(VIEWER_TOKEN), 'the token is not in the URL');
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...localStorage, ...sessionStorage }),
    );
    t.notOk(stored.includes(VIEWER_TOKEN), 'nor in web storage');
    const [cookie] = await page.context().cookies();
    t.equal(cookie?.httpOnly, true, 'the session cookie is HttpOnly');
    t.equal(cookie?.sameSite, 'Strict');
    t.ok((cookie?.expires ?? 0) > Date.now() / 1000, 'and expires');
    t.notOk(await page.evaluate(() => document.cookie), 'scripts cannot read the session cookie');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/ui/sign-in`);
    await page.goto(`${base}/ui/alerts`);
    t.equal(new URL(page.url()).pathname, '/ui/sign-in', 'signed out: pages need signing in again');
  });

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

  void t.test('the customer page shows the late delivery, both clocks and evidence', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await page.goto(customerUrl);
    await shot(page, 'customer');
    await shot(page, 'customer-top', false);
    t.match(await page.locator('h1').textContent(), JOURNEY.customerId);
    const state = page.locator('#state table');
    t.match(await state.locator('tr', { hasText: 'Status' }).first().textContent(), /Active/);
    t.match(await state.locator('tr', { hasText: 'Name' }).textContent(), /Ada Lovelace/);
    t.match(await state.locator('tr', { hasText: 'Residence' }).textContent(), /FR/);
    const status = state.locator('tr', { hasText: 'Status' }).first();
    t.equal(
      await status.locator(`time[datetime="${JOURNEY.tamperedAt}"]`).count(),
      1,
      'the status shows the ComPilot time of the event that set it',
    );
    t.match(
      await status.locator('.badge').textContent(),
      /signature INVALID/,
      'and that this event no longer verifies',
    );

    const late = page.locator('#timeline tr.late');
    t.equal(await late.count(), 1, 'exactly one delivery is marked late');
    t.equal(
      await late.locator(`time[datetime="${JOURNEY.reviewedAt}"]`).count(),
      1,
      'the review, delivered after the activation',
    );
    t.ok(await late.getByText('late', { exact: true }).isVisible(), 'the late badge is visible');

    t.match(await page.locator('#kyc').textContent(), /To be reviewed/);
    t.match(await page.locator('#alerts').textContent(), JOURNEY.alertId);
    const snapshots = page.locator('#snapshots');
    t.match(await snapshots.textContent(), /First snapshot/);
    t.match(
      await snapshots
        .locator('tr', { hasText: 'customerClaims.0.countryOfResidence' })
        .textContent(),
      /"GB".*"FR"/,
      'the second snapshot says what changed',
    );
  });

  void t.test('deliveries carry signature badges and their exact raw bodies', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await page.goto(`${customerUrl}#events`);
    const valid = page.locator('#events .badge-valid');
    const invalid = page.locator('#events .badge-invalid');
    t.equal(await valid.count(), 2, 'the two genuine deliveries verify');
    t.equal(await invalid.count(), 1, 'the tampered one does not');
    t.ok(await invalid.isVisible());
    t.match(await invalid.textContent(), /signature INVALID/);
    const tampered = page.locator('li.event').filter({ has: page.locator('.badge-invalid') });
    t.match(await tampered.textContent(), /body-sha256-mismatch/);
    t.match(await page.locator('.summary').textContent(), /1 not valid/);

    const stored = await viewer.service.store.readStream(`customer-${JOURNEY.customerId}`);
    const first = stored[0]!;
    const raw = page.locator('li.event').first().locator('details.raw');
    const pre = raw.locator('pre');
    t.notOk(await pre.isVisible(), 'raw bodies are folded away at first');
    await raw.locator('summary').focus();
    await page.keyboard.press('Enter');
    t.ok(await pre.isVisible(), 'the keyboard opens the raw body');
    t.equal(await pre.textContent(), first.data.toString('utf8'), 'byte for byte what is stored');
    await shot(page, 'customer-raw-body', false);
  });

  void t.test('point in time shows the state by effective and by received time', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await page.goto(customerUrl);
    await page.getByLabel('Date (UTC)').fill('2025-03-04');
    await page.getByRole('button', { name: 'Show state at that moment' }).click();
    await page.waitForURL(/date=2025-03-04/);
    const effective = page.locator('section[aria-labelledby="pit-effective"]');
    const received = page.locator('section[aria-labelledby="pit-received"]');
    t.match(await effective.locator('h3').textContent(), /2025-03-04T23:59:59.999Z/);
    t.match(
      await effective.locator('tr', { hasText: 'Status' }).first().textContent(),
      /To be reviewed/,
      'in effect on 4 March: the review, not the later activation',
    );
    t.match(await effective.textContent(), /of \d+ stored events applied/);
    t.match(
      await received.textContent(),
      /0 of \d+ stored events applied.*No state was recorded/s,
      'nothing had been received in 2025',
    );
    await shot(page, 'point-in-time');

    await page.getByLabel('Date (UTC)').fill('2025-03-05');
    await page.getByLabel('Time (UTC, optional)').fill('10:00:00');
    await page.getByRole('button', { name: 'Show state at that moment' }).click();
    await page.waitForURL(/time=10/);
    t.match(await effective.locator('tr', { hasText: 'Status' }).first().textContent(), /Active/);
  });

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

  void t.test('a name that is HTML is shown as text: no dialog, no request', async (t) => {
    const page = await newPage(t);
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await signIn(page);
    await page.getByRole('searchbox').fill(HOSTILE);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.goto(`${base}/ui/customers/${HOSTILE_CUSTOMER_ID}`);
    const name = page.locator('#state tr', { hasText: 'Name' });
    t.equal(await name.locator('td').first().textContent(), HOSTILE, 'the name, as text');
    t.equal(await page.locator('main img').count(), 0, 'no element was made from it');
    await page.goto(`${base}/ui/`);
    await page.waitForLoadState('load');
    t.same(dialogs, [], 'no dialog opened');
    t.same(
      requests.filter((path) => path.endsWith('/x')),
      [],
      'the browser never fetched the image',
    );
  });

  void t.test('every page has one h1, labelled controls and a skip link first', async (t) => {
    const page = await newPage(t);
    await page.goto(`${base}/ui/sign-in`);
    const pages = [
      `${base}/ui/sign-in`,
      `${base}/ui/?q=${JOURNEY.customerId}`,
      `${customerUrl}?date=2025-03-04`,
      `${base}/ui/alerts`,
    ];
    for (const url of pages) {
      if (url !== pages[0]) {
        if (new URL(page.url()).pathname === '/ui/sign-in') await signIn(page);
        await page.goto(url);
      }
      t.equal(await page.locator('h1').count(), 1, `one h1 on ${url}`);
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input:not([type=hidden]), select')]
          .filter((el) => (el as HTMLInputElement).labels?.length === 0)
          .map((el) => el.outerHTML),
      );
      t.same(unlabelled, [], `every control is labelled on ${url}`);
      await page.keyboard.press('Tab');
      t.equal(
        await page.evaluate(() => document.activeElement?.textContent),
        'Skip to content',
        'the first Tab reaches the skip link',
      );
    }
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

  // Last: it erases the hostile customer, whom earlier tests visit.
  void t.test("an erased customer's page shows the erasure record, not the data", async (t) => {
    await eraseCustomer(
      {
        store: viewer.service.store,
        keys: subjectKeysOf(viewer.service.store)!,
        alertIdsOf: () => [],
        retentionDays: 1826,
      },
      {
        customerId: HOSTILE_CUSTOMER_ID,
        reason: 'consent withdrawn',
        by: 'browser test',
        override: 'the data subject asked for erasure',
      },
    );
    await viewer.settle();
    const page = await newPage(t);
    await signIn(page);
    await page.goto(`${base}/ui/customers/${HOSTILE_CUSTOMER_ID}`);
    t.match(await page.locator('p.notice.erased').textContent(), /This customer was erased on/);
    t.match(
      await page.locator('p.summary').textContent(),
      /erased: signatures no longer checkable/,
    );
    t.ok((await page.locator('p.erased').count()) > 1, 'each delivery says its data was erased');
    t.notOk((await page.content()).includes('onerror'), 'the name it had is gone');
    await shot(page, 'customer-erased');
  });
}
