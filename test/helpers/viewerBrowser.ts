/**
 * The audit viewer in a real browser, shared by the test/ui/*.browser.test.ts files: Debian's
 * Chromium (CHROMIUM_PATH overrides the path) driven by playwright-core, against the composed
 * service on 127.0.0.1 seeded with the journey and the hostile customer. One browser per test
 * file, one context per test. Screenshots of the main pages land in .tap/screenshots.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Test } from 'tap';
import {
  JOURNEY,
  VIEWER_TOKEN,
  seedHostileCustomer,
  seedJourney,
  startViewer,
  type Viewer,
} from './viewerHarness.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(import.meta.dirname, '..', '..', '.tap', 'screenshots');

export interface ViewerBrowser {
  readonly viewer: Viewer;
  /** The service's URL. */
  readonly base: string;
  /** The journey customer's page. */
  readonly customerUrl: string;
  /** A fresh context (cookies, storage) for one test, closed after it. */
  readonly newPage: (tt: Test) => Promise<Page>;
  readonly signIn: (page: Page) => Promise<void>;
  /** Saves a screenshot as .tap/screenshots/<name>.png. */
  readonly shot: (page: Page, name: string, fullPage?: boolean) => Promise<Buffer>;
}

/**
 * The browser and the seeded viewer for the calling test file, closed when it ends; undefined
 * when there is no Chromium here (the file is then skipped, or failed under
 * REQUIRE_BROWSER_TESTS=1).
 */
export async function openViewerInBrowser(t: Test): Promise<ViewerBrowser | undefined> {
  if (!existsSync(executablePath) && process.env.REQUIRE_BROWSER_TESTS === '1') {
    // CI (.ci/run) installs Chromium; there a missing browser is a failure, not a skip.
    t.fail(`no Chromium at ${executablePath}, and REQUIRE_BROWSER_TESTS=1`);
    return undefined;
  }
  if (!existsSync(executablePath)) {
    const message =
      `SKIPPED the browser tests of the audit viewer: no Chromium at ${executablePath} ` +
      '(apt-get install -y chromium, or set CHROMIUM_PATH); CI installs it and runs them';
    process.stderr.write(`\n*** ${message} ***\n\n`);
    void t.skip(message, () => {});
    return undefined;
  }

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

  return {
    viewer,
    base,
    customerUrl: `${base}/ui/customers/${JOURNEY.customerId}`,
    newPage: async (tt) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      tt.teardown(() => context.close());
      return context.newPage();
    },
    signIn: async (page) => {
      await page.goto(`${base}/ui/`);
      await page.getByLabel('Query API token').fill(VIEWER_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/ui/`);
    },
    shot: (page, name, fullPage = true) =>
      page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage }),
  };
}
