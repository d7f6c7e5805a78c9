import t from 'tap';
import { uuidv5 } from '../../src/lib/uuidv5.js';

void t.test('uuidv5 matches the RFC 4122 DNS-namespace example', (t) => {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
  t.equal(
    uuidv5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
    '886313e1-3b8a-5372-9b90-0c9aee199e5d',
  );
  t.end();
});

void t.test('uuidv5 is deterministic and distinguishes names', (t) => {
  t.equal(uuidv5('msg_1'), uuidv5('msg_1'));
  t.not(uuidv5('msg_1'), uuidv5('msg_2'));
  t.match(uuidv5('msg_1'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.end();
});

void t.test('uuidv5 rejects a malformed namespace', (t) => {
  t.throws(() => uuidv5('x', 'not-a-uuid'), TypeError);
  t.end();
});

void t.test('uuidv5 gives the same ids whichever namespaces were used before', (t) => {
  const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
  const ledgerFirst = uuidv5('msg_1');
  t.equal(uuidv5('python.org', dns), '886313e1-3b8a-5372-9b90-0c9aee199e5d', 'another namespace');
  t.equal(uuidv5('msg_1'), ledgerFirst, 'then the ledger namespace again');
  t.throws(() => uuidv5('x', 'not-a-uuid'), TypeError, 'a malformed namespace');
  t.equal(uuidv5('msg_1'), ledgerFirst, 'which does not disturb the next id');
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'bücher.example'), a name with multi-byte UTF-8
  t.equal(uuidv5('bücher.example', dns), '849d4d8f-6c8e-59fa-9721-89ccba396bf9', 'UTF-8 names');
  t.end();
});
