/**
 * The audit viewer's customer page in a real browser (see ../helpers/viewerBrowser.ts): the
 * state with its evidence, the deliveries with their signatures and raw bodies, the state at a
 * point in time, where it stands in its retention period, and what is left of it once the
 * customer is erased.
 */
import t from 'tap';
import { join } from 'node:path';
import { run as hold } from '../../src/cli/hold.js';
import { eraseCustomer } from '../../src/retention/erasure.js';
import { subjectKeysOf } from '../../src/retention/storeKeys.js';
import { cliDeps, fixtureBody } from '../helpers/auditHarness.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';
import { openViewerInBrowser, type ViewerBrowser } from '../helpers/viewerBrowser.js';
import { HOSTILE_CUSTOMER_ID, JOURNEY } from '../helpers/viewerHarness.js';

const ui = await openViewerInBrowser(t);
if (ui !== undefined) customerPageTests(ui);

function customerPageTests({
  base,
  customerUrl,
  newPage,
  shot,
  signIn,
  viewer,
}: ViewerBrowser): void {
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

  void t.test('the retention section says whether the customer may be erased yet', async (t) => {
    const page = await newPage(t);
    await signIn(page);
    await page.goto(customerUrl);
    const section = page.locator('#retention');
    t.match(await section.locator('.badge').textContent(), /relationship active/);
    t.match(await section.textContent(), /the retention period has not started/);

    // A customer ComPilot deleted long ago, whom an authority's hold keeps.
    const customerId = '5b1e2d3c-4a5f-4e6d-8c7b-9a0f1e2d3c4b';
    const deletedAt = '2020-02-01T10:00:00.000Z';
    await viewer.deliver(
      fixtureBody('customer.created', { customerId, createdAt: '2019-06-01T09:00:00.000Z' }),
    );
    await viewer.deliver(fixtureBody('customer.deleted', { customerId, deletedAt }));
    const deps = cliDeps({
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${join(viewer.dir, 'events.db')}`,
    });
    const code = await hold(
      [customerId, '--reason', 'FIU request 2026/4', '--until', '2099-06-30'],
      deps,
    );
    t.equal(code, 0, deps.errors());
    await page.goto(`${base}/ui/customers/${customerId}#retention`);
    t.match(await section.locator('.badge').textContent(), /retention hold/);
    t.match(await section.textContent(), /keeps its records until 2099-06-30 23:59:59\.999Z/);
    t.equal(
      await section.locator(`dd time[datetime="${deletedAt}"]`).count(),
      2,
      'the end of the relationship and the deletion: ComPilot deleted it',
    );
    t.equal(
      await section.locator('dd time[datetime="2025-01-31T10:00:00.000Z"]').count(),
      1,
      'erasable 1826 days after the deletion',
    );
    await shot(page, 'customer-retention-held');

    const released = await hold([customerId, '--release', '--reason', 'case closed'], deps);
    t.equal(released, 0, deps.errors());
    await page.reload();
    t.match(await section.locator('.badge').textContent(), /due for erasure/);
    t.match(await section.textContent(), /needs no override/);
  });

  // It erases the hostile customer, whom the other files visit: each file has its own service.
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
    t.match(await page.locator('#retention .badge').textContent(), /erased/);
    t.match(
      await page.locator('#retention').textContent(),
      /personal data was erased on .*the erasure record stays/s,
      'the retention section reads the erasure record, not the unreadable events',
    );
    t.notOk((await page.content()).includes('onerror'), 'the name it had is gone');
    await shot(page, 'customer-erased');
  });
}
