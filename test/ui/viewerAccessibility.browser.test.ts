/**
 * The audit viewer's pages for keyboard and assistive technology users, in a real browser (see
 * ../helpers/viewerBrowser.ts).
 */
import t from 'tap';
import { openViewerInBrowser, type ViewerBrowser } from '../helpers/viewerBrowser.js';
import { JOURNEY } from '../helpers/viewerHarness.js';

const ui = await openViewerInBrowser(t);
if (ui !== undefined) accessibilityTests(ui);

function accessibilityTests({ base, customerUrl, newPage, signIn }: ViewerBrowser): void {
  void t.test('every page has one h1, labelled controls and a skip link first', async (t) => {
    const page = await newPage(t);
    await page.goto(`${base}/ui/sign-in`);
    const pages = [
      `${base}/ui/sign-in`,
      `${base}/ui/?q=${JOURNEY.customerId}`,
      `${customerUrl}?date=2025-03-04`,
      `${base}/ui/alerts`,
      `${base}/ui/retention`,
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
}
