import { createHash } from 'node:crypto';

/** Namespace for compilot-ledger's derived ids (a fixed random UUID; never change it). */
export const LEDGER_NAMESPACE = '6f1c2b7e-3d4a-4f5e-9a8b-1c2d3e4f5a6b';

/** RFC 4122 name-based UUID (SHA-1, version 5): the same name always gives the same id. */
export function uuidv5(name: string, namespace: string = LEDGER_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new TypeError(`invalid namespace UUID: ${namespace}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
