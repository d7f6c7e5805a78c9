/**
 * Short, stable content keys for tie-breaks and content hashes of events. The projections break
 * ties with them (projections/eventFacts.ts); the decrypt thread of encryption at rest computes
 * the one of each plaintext it opens on the way (src/privacy/decryptThread.ts), so the rebuild's
 * main thread need not read those bytes again. Hence its place beside the event types, which
 * both may import.
 */
// In one expression per byte, with the length read once and the state kept an int32: the
// two-statement loop ran at 1.3-4.3 ns a byte depending on how V8 compiled it, this one at 1.3,
// and it runs over every event's bytes in a rebuild. Same values (xor and imul act on int32).
const OFFSET_BASIS = 0x811c9dc5 | 0;
const PRIME = 0x01000193;

/** 32-bit FNV-1a as 8 hex digits: a short, stable content key for tie-breaks. */
export function hash(value: string): string {
  let h = OFFSET_BASIS;
  const length = value.length;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ value.charCodeAt(i), PRIME);
  return fnvHex(h >>> 0);
}

/** {@link hash} over bytes. */
export function hashBytes(bytes: Uint8Array): string {
  return fnvHex(fnvOfBytes(bytes));
}

/** {@link hashBytes} as the unsigned 32-bit number (what crosses threads in a Uint32Array). */
export function fnvOfBytes(bytes: Uint8Array): number {
  let h = OFFSET_BASIS;
  const length = bytes.length;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ bytes[i]!, PRIME);
  return h >>> 0;
}

// Two hex digits per byte, looked up: `value.toString(16).padStart(8, '0')` took 0.5-0.8 µs a
// call on the bench machine (V8's radix conversion), four lookups 0.07-0.09, and a rebuild
// converts a hash for every event.
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The 8 hex digits of an unsigned 32-bit FNV-1a value. */
export function fnvHex(value: number): string {
  return (
    HEX_BYTE[value >>> 24]! +
    HEX_BYTE[(value >>> 16) & 255]! +
    HEX_BYTE[(value >>> 8) & 255]! +
    HEX_BYTE[value & 255]!
  );
}
