import t from 'tap';
import { uuidv5 } from '../../src/lib/uuidv5.js';

void t.test('uuidv5 matches the RFC 4122 DNS-namespace example', async (t) => {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
  t.equal(
    uuidv5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
    '886313e1-3b8a-5372-9b90-0c9aee199e5d',
  );
});

void t.test('uuidv5 is deterministic and distinguishes names', async (t) => {
  t.equal(uuidv5('msg_1'), uuidv5('msg_1'));
  t.not(uuidv5('msg_1'), uuidv5('msg_2'));
  t.match(uuidv5('msg_1'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

void t.test('uuidv5 rejects a malformed namespace', async (t) => {
  t.throws(() => uuidv5('x', 'not-a-uuid'), TypeError);
});
