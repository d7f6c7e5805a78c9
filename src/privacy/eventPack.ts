/**
 * How a batch of events crosses to the decrypt thread and is read there: their bytes
 * back to back in one buffer and their 32-byte data keys in another (both transferred, not
 * copied), and each event's id and stream name (what its envelope's AAD binds) in one
 * NUL-separated string: one string crosses threads as one copy, an array of thousands as
 * thousands of objects. When the events' bytes are views into one buffer of their page (the
 * SQLite adapter's `sharedData` read), the pack takes the part of it they span in one copy and
 * says where each event starts, instead of copying them one by one.
 */
import type { EnvelopeBinding } from './envelope.js';

const KEY_BYTES = 32;

export interface EventPack {
  readonly bytes: ArrayBuffer;
  /** `ends[i]` is where event i's bytes end. */
  readonly ends: Uint32Array;
  /** `starts[i]` is where event i's bytes start; absent when each starts where the last ended. */
  readonly starts?: Uint32Array;
  /** One 32-byte key per event, in the events' order. */
  readonly keys: ArrayBuffer;
  readonly bindings: string;
}

export interface PackedEvent extends EnvelopeBinding {
  readonly data: Uint8Array;
  readonly key: Buffer;
}

/** The pack of `events`, or undefined when an id or stream name holds a NUL (kept here then). */
export function packEvents(events: readonly PackedEvent[]): EventPack | undefined {
  for (const e of events) {
    if (e.eventId.includes('\0') || e.streamName.includes('\0')) return undefined;
  }
  const shared = sharedSpan(events);
  if (shared !== undefined) return { ...shared, ...keysAndBindings(events) };
  let total = 0;
  for (const e of events) total += e.data.length;
  const bytes = new ArrayBuffer(total);
  const byteView = new Uint8Array(bytes);
  const ends = new Uint32Array(events.length);
  let at = 0;
  events.forEach((e, i) => {
    byteView.set(e.data, at);
    at += e.data.length;
    ends[i] = at;
  });
  return { bytes, ends, ...keysAndBindings(events) };
}

/**
 * The part of one underlying buffer that all the events' bytes lie in, in order, copied once;
 * undefined when they do not share one (each event then is copied on its own). Bytes between
 * them (a plaintext event of the page, or whatever else shares a pool slab) come along in the
 * copy and are never read: `starts` and `ends` pick the events out.
 */
function sharedSpan(
  events: readonly PackedEvent[],
): Pick<EventPack, 'bytes' | 'starts' | 'ends'> | undefined {
  if (events.length === 0) return undefined;
  const { buffer } = events[0]!.data;
  const from = events[0]!.data.byteOffset;
  let last = from;
  for (const { data } of events) {
    if (data.buffer !== buffer || data.byteOffset < last) return undefined;
    last = data.byteOffset + data.length;
  }
  const starts = new Uint32Array(events.length);
  const ends = new Uint32Array(events.length);
  events.forEach(({ data }, i) => {
    starts[i] = data.byteOffset - from;
    ends[i] = starts[i] + data.length;
  });
  // A copy, not the buffer itself: the page's other events (and each opened event's
  // storedData) keep their views into it.
  const bytes = new Uint8Array(buffer, from, last - from).slice().buffer;
  return { bytes, starts, ends };
}

function keysAndBindings(events: readonly PackedEvent[]): Pick<EventPack, 'keys' | 'bindings'> {
  // Each event's key in its own slot: a page rarely names a key twice (~480 keys in 500 events
  // of the bench log), so sharing slots saved no bytes and cost a map lookup per event.
  const keys = new ArrayBuffer(events.length * KEY_BYTES);
  const keyView = new Uint8Array(keys);
  const bindings: string[] = [];
  events.forEach((e, i) => {
    keyView.set(e.key, i * KEY_BYTES);
    bindings.push(e.eventId, e.streamName);
  });
  return { keys, bindings: bindings.join('\0') };
}

/** Calls `each` for every packed event, in order; the keys are zeroed afterwards. */
export function unpackEvents(
  pack: EventPack,
  each: (index: number, data: Buffer, key: Buffer, binding: EnvelopeBinding) => void,
): void {
  const bytes = Buffer.from(pack.bytes);
  const keys = Buffer.from(pack.keys);
  const bindings = pack.bindings.split('\0');
  try {
    const { starts } = pack;
    let start = 0;
    for (let i = 0; i < pack.ends.length; i++) {
      if (starts !== undefined) start = starts[i]!;
      const end = pack.ends[i]!;
      each(i, bytes.subarray(start, end), keys.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES), {
        eventId: bindings[2 * i]!,
        streamName: bindings[2 * i + 1]!,
      });
      start = end;
    }
  } finally {
    keys.fill(0);
  }
}
