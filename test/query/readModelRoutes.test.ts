import type { Test } from 'tap';
import t from 'tap';
import {
  ALERT_ID,
  CUSTOMER_ID,
  fixtureBody,
  startAuditHarness,
  WALLET,
  type AuditHarness,
} from '../helpers/auditHarness.js';

const OTHER_ID = '7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6';
const OTHER_ALERT = 'alrt_Other0000001';

async function deliverAll(h: AuditHarness): Promise<void> {
  const bodies = [
    fixtureBody('customer.created'),
    fixtureBody('customer.updated'),
    fixtureBody('send.scenario'),
    fixtureBody('alert.created'),
    fixtureBody('alert.updated'),
    fixtureBody('customer.created', { customerId: OTHER_ID, externalCustomerId: 'user_2' }),
    fixtureBody('customer.updated', {
      customerId: OTHER_ID,
      externalCustomerId: 'user_2',
      status: 'Rejected',
      riskScore: 'High',
      reason: 'User rejected by the KYC provider',
    }),
    fixtureBody('alert.created', { id: OTHER_ALERT, customerId: OTHER_ID, status: 'Open' }),
  ];
  for (const body of bodies) {
    const res = await h.deliver(body);
    if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
  }
  await h.caughtUp();
}

async function ok(t: Test, h: AuditHarness, path: string): Promise<Record<string, unknown>> {
  const res = await h.get(path);
  t.equal(res.status, 200, path);
  return res.json();
}

async function fails(t: Test, h: AuditHarness, path: string, status: number, error: RegExp) {
  const res = await h.get(path);
  t.equal(res.status, status, path);
  t.match(res.json(), { error }, path);
}

void t.test('read-model routes answer from the projections', async (t) => {
  const h = await startAuditHarness(t.testdir());
  t.teardown(() => h.close());
  await deliverAll(h);

  await t.test('a customer: current state with evidence and open alerts', async (t) => {
    t.match(await ok(t, h, `/customers/${CUSTOMER_ID}`), {
      customerId: CUSTOMER_ID,
      externalCustomerId: 'user_48213',
      status: 'Active',
      riskScore: 'Low',
      onboardingLevel: 'Onboarded',
      openAlertCount: 1,
      evidence: { status: { eventType: 'customer.updated' } },
    });
    await fails(t, h, '/customers/nobody', 404, /no customer nobody is known/);
    await fails(
      t,
      h,
      `/customers/${CUSTOMER_ID}?verbose=1`,
      400,
      /parameter verbose is not supported/,
    );
  });

  await t.test('customers by status and risk score, paged', async (t) => {
    const active = await ok(t, h, '/customers?status=Active');
    t.match(active, { customers: [{ customerId: CUSTOMER_ID }], nextCursor: null });
    t.equal((active.customers as unknown[]).length, 1);
    t.match(await ok(t, h, '/customers?riskScore=High'), { customers: [{ customerId: OTHER_ID }] });
    t.match(await ok(t, h, '/customers?status=To%20be%20reviewed'), { customers: [] });

    const first = await ok(t, h, '/customers?limit=1');
    t.equal((first.customers as unknown[]).length, 1);
    t.type(first.nextCursor, 'string');
    const second = await ok(t, h, `/customers?limit=1&cursor=${String(first.nextCursor)}`);
    t.equal(second.nextCursor, null);
    t.not(
      (first.customers as { customerId: string }[])[0]!.customerId,
      (second.customers as { customerId: string }[])[0]!.customerId,
    );

    await fails(t, h, '/customers?status=active', 400, /parameter status must be one of "Active"/);
    await fails(t, h, '/customers?riskScore=Severe', 400, /parameter riskScore must be one of/);
    await fails(
      t,
      h,
      '/customers?limit=501',
      400,
      /parameter limit must be a whole number from 1 to 500/,
    );
    await fails(
      t,
      h,
      '/customers?cursor=AAAA',
      400,
      /parameter cursor is not a cursor issued by this API/,
    );
  });

  await t.test('the KYC history of a customer', async (t) => {
    const history = await ok(t, h, `/customers/${CUSTOMER_ID}/kyc-history`);
    t.equal(history.customerId, CUSTOMER_ID);
    const entries = history.entries as { kind: string; to: string | null }[];
    t.match(entries, [
      { kind: 'onboardingLevel', to: 'Started', effectiveAt: '2025-03-03T09:14:02.118Z' },
    ]);
    t.ok(
      entries.some((e) => e.kind === 'status' && e.to === 'Active'),
      'the status change to Active is in the history',
    );
    t.ok(
      entries.some((e) => e.kind === 'scenario' && e.to === 'valid'),
      'the scenario run is in it',
    );
    t.match(
      entries.find((e) => e.kind === 'status'),
      {
        reason: 'Rules engine verification passed',
        evidence: { source: 'webhook', webhook: { svixId: /^msg_/ } },
      },
    );
    await fails(t, h, '/customers/nobody/kyc-history', 404, /no customer nobody is known/);
  });

  await t.test('alerts by id, and by customer and status', async (t) => {
    t.match(await ok(t, h, `/alerts/${ALERT_ID}`), {
      alertId: ALERT_ID,
      customerId: CUSTOMER_ID,
      status: 'Under Investigation',
      severity: 'High',
      externalCustomerId: 'user_48213',
      reason: 'Sanctions hit during AML screening',
      tags: [{ title: 'needs-edd' }],
    });
    await fails(t, h, '/alerts/alrt_nope', 404, /no alert alrt_nope is known/);
    const mine = await ok(t, h, `/alerts?customerId=${CUSTOMER_ID}`);
    t.match(mine, { alerts: [{ alertId: ALERT_ID }], nextCursor: null });
    t.equal((mine.alerts as unknown[]).length, 1);
    const open = await ok(t, h, '/alerts?status=Open');
    t.match(open, { alerts: [{ alertId: OTHER_ALERT, customerId: OTHER_ID }] });
    t.equal((open.alerts as unknown[]).length, 1);
    t.match(await ok(t, h, '/alerts?status=Under%20Investigation'), {
      alerts: [{ alertId: ALERT_ID }],
    });
    await fails(t, h, '/alerts?status=Done', 400, /parameter status must be one of "Open"/);
  });

  await t.test('the customer owning a wallet, EVM addresses in any case', async (t) => {
    t.match(await ok(t, h, `/wallets/${WALLET}/customer`), {
      address: WALLET,
      customers: [{ customerId: CUSTOMER_ID }],
    });
    t.match(await ok(t, h, `/wallets/${WALLET.toUpperCase().replace('0X', '0x')}/customer`), {
      customers: [{ customerId: CUSTOMER_ID }],
    });
    await fails(
      t,
      h,
      '/wallets/0x0000000000000000000000000000000000000001/customer',
      404,
      /no customer is known for wallet/,
    );
  });
});
