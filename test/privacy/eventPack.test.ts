import { randomBytes } from 'node:crypto';
import t from 'tap';
import { packEvents, unpackEvents, type PackedEvent } from '../../src/privacy/eventPack.js';

const events: PackedEvent[] = Array.from({ length: 5 }, (_, n) => ({
  data: Buffer.from(`event ${n} ${'x'.repeat(n * 7)}`),
  key: randomBytes(32),
  eventId: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
  streamName: `customer-c-${n}`,
}));

void t.test('a packed batch unpacks to the same events, keys and bindings, in order', async (t) => {
  const pack = packEvents(events)!;
  const seen: PackedEvent[] = [];
  unpackEvents(pack, (i, data, key, binding) => {
    t.equal(i, seen.length);
    seen.push({ data: Buffer.from(data), key: Buffer.from(key), ...binding });
  });
  t.same(seen, events);
});

void t.test('the keys are zeroed once unpacked', async (t) => {
  const pack = packEvents(events)!;
  unpackEvents(pack, () => undefined);
  t.ok(new Uint8Array(pack.keys).every((byte) => byte === 0));
});

void t.test('a NUL in an id or stream name leaves the batch to the calling thread', async (t) => {
  t.equal(packEvents([...events, { ...events[0]!, streamName: 'customer-a\0b' }]), undefined);
  t.equal(packEvents([{ ...events[1]!, eventId: 'id\0' }]), undefined);
});
