import t from 'tap';
import { count } from '../../src/lib/plural.js';

void t.test('a count agrees with its noun', async (t) => {
  t.equal(count(1, 'customer'), '1 customer');
  t.equal(count(0, 'customer'), '0 customers');
  t.equal(count(2, 'problem'), '2 problems');
  t.equal(count(1, 'delivery', 'deliveries'), '1 delivery');
  t.equal(count(5, 'delivery', 'deliveries'), '5 deliveries');
});
