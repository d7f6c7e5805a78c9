import t from 'tap';
import type { CustomerListItem } from '../../src/compilot/comPilotTypes.js';
import { compareEntry, entryUpdatedAt } from '../../src/reconcile/compareEntry.js';

const ledger = {
  status: 'Active',
  riskScore: 'Low',
  onboardingLevel: 'Onboarded',
  updatedAt: '2025-03-03T09:21:23.000Z',
};
const entry = (fields: Record<string, unknown>) =>
  ({ id: 'c1', ...fields }) as unknown as CustomerListItem;

void t.test(
  'an entry that agrees with the ledger on every field it carries differs in nothing',
  (t) => {
    t.same(
      compareEntry(
        entry({ status: 'Active', risk_score: 'Low', onboarding_level: 'Onboarded' }),
        ledger,
      ),
      [],
    );
    t.same(
      compareEntry(entry({ onboarding_level: 'Onboarded' }), ledger),
      [],
      'absent keys are not compared',
    );
    t.end();
  },
);

void t.test(
  'status, risk score and onboarding level are compared under the list’s snake_case keys',
  (t) => {
    t.same(
      compareEntry(
        entry({ status: 'Rejected', risk_score: 'High', onboarding_level: 'Onboarded' }),
        ledger,
      ),
      [
        { field: 'status', ledger: 'Active', compilot: 'Rejected' },
        { field: 'riskScore', ledger: 'Low', compilot: 'High' },
      ],
    );
    t.same(
      compareEntry(entry({ status: null }), { ...ledger, status: null }),
      [],
      'null equals null',
    );
    t.end();
  },
);

void t.test('a customer the ledger does not know differs as unknown', (t) => {
  t.same(compareEntry(entry({}), undefined), [{ field: 'unknown', ledger: null, compilot: 'c1' }]);
  t.end();
});

void t.test(
  'an update time after the ledger’s newest fact is a difference, when the entry has one',
  (t) => {
    t.same(compareEntry(entry({ updated_at: '2025-03-04T00:00:00Z' }), ledger), [
      { field: 'updatedAt', ledger: ledger.updatedAt, compilot: '2025-03-04T00:00:00.000Z' },
    ]);
    t.same(
      compareEntry(entry({ updatedAt: '2025-03-01T00:00:00Z' }), ledger),
      [],
      'older: nothing new',
    );
    t.equal(entryUpdatedAt(entry({ updated_at: 'yesterday' })), undefined, 'unreadable: none');
    t.equal(entryUpdatedAt(entry({})), undefined);
    t.end();
  },
);
