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

void t.test(
  'events whose bytes are views into one buffer are packed as one copy of it, with gaps skipped',
  async (t) => {
    // As a page read with sharedData gives them: every other event is not packed (a plaintext
    // event of the page), so the packed views leave gaps between them.
    const page = Buffer.concat(events.flatMap((e) => [e.data, Buffer.from('gap')]));
    let at = 0;
    const views = events.map((e) => {
      const view = page.subarray(at, at + e.data.length);
      at += e.data.length + 3;
      return { ...e, data: view };
    });
    const pack = packEvents(views)!;
    t.ok(pack.starts, 'the pack says where each event starts');
    t.not(pack.bytes, page.buffer, 'the page buffer itself stays with the reader');
    const seen: Buffer[] = [];
    unpackEvents(pack, (_, data) => seen.push(Buffer.from(data)));
    t.same(
      seen.map((data) => data.toString()),
      events.map((e) => e.data.toString()),
    );
    page.fill(0);
    t.ok(
      seen.every((data, i) => data.equals(events[i]!.data)),
      'the pack owns its copy of the bytes',
    );
  },
);

void t.test('views into one buffer out of order are packed one by one', async (t) => {
  const page = Buffer.concat(events.map((e) => e.data));
  let at = 0;
  const views = events.map((e) => {
    const view = page.subarray(at, at + e.data.length);
    at += e.data.length;
    return { ...e, data: view };
  });
  const pack = packEvents([views[1]!, views[0]!, ...views.slice(2)])!;
  t.equal(pack.starts, undefined);
  const seen: string[] = [];
  unpackEvents(pack, (_, data) => seen.push(data.toString()));
  t.same(
    seen,
    [events[1]!, events[0]!, ...events.slice(2)].map((e) => e.data.toString()),
  );
});
