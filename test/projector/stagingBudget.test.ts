import t from 'tap';
import { projections } from '../../projections/index.js';
import { createStagingBudget } from '../../src/projector/stagingBudget.js';
import type { Pending, Target } from '../../src/projector/target.js';
import { EMPTY_DOC } from '../../src/readmodel/documents.js';

/** A target and its staged documents, as far as the budget looks at them. */
function staged(count: number, state: unknown): [Target, Pending] {
  const touched = new Map<string, { before: typeof EMPTY_DOC; state: unknown }>();
  for (let i = 0; i < count; i++) touched.set(`key-${i}`, { before: EMPTY_DOC, state });
  return [{ projection: projections[0]! } as Target, { touched } as unknown as Pending];
}

const state = { customerId: 'cust-1', status: 'Active', evidence: { status: 'x'.repeat(200) } };

void t.test('the staged documents are estimated from the size of their states', async (t) => {
  const budget = createStagingBudget(1);
  t.notOk(budget.exceeded(new Map([staged(100, state)])), '100 documents fit in 1 MiB');
  const small = budget.estimatedBytes;
  t.ok(small > 100 * JSON.stringify(state).length, 'more than their JSON');
  t.ok(budget.exceeded(new Map([staged(10_000, state)])), '10,000 do not');
  t.ok(budget.estimatedBytes > 50 * small, 'the estimate grows with the documents');
});

void t.test('the same documents give the same answer every time', async (t) => {
  const answers = Array.from({ length: 3 }, () => {
    const budget = createStagingBudget(2);
    return [500, 2_000, 8_000].map((count) => budget.exceeded(new Map([staged(count, state)])));
  });
  t.same(answers, [answers[0], answers[0], answers[0]]);
  t.same(answers[0], [false, false, true]);
});
