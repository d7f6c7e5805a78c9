/**
 * What scripts can and cannot do in the audit viewer, in a real browser (see
 * ../helpers/viewerBrowser.ts): the session a token opens stays out of their reach, and a
 * customer's data that is HTML is shown as text, so nothing of it runs or loads.
 */
import t from 'tap';
import { openViewerInBrowser, type ViewerBrowser } from '../helpers/viewerBrowser.js';
import { HOSTILE, HOSTILE_CUSTOMER_ID, VIEWER_TOKEN } from '../helpers/viewerHarness.js';

const ui = await openViewerInBrowser(t);
if (ui !== undefined) securityTests(ui);

function securityTests({ base, newPage, shot, signIn }: ViewerBrowser): void {
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
}
