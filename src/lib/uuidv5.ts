import { hash } from 'node:crypto';

/** Namespace for compilot-ledger's derived ids (a fixed random UUID; never change it). */
export const LEDGER_NAMESPACE = '6f1c2b7e-3d4a-4f5e-9a8b-1c2d3e4f5a6b';

const NAMESPACE_BYTES = 16;

/** The namespace's bytes for the namespace last used; ids are derived per webhook delivery. */
let cached = { namespace: LEDGER_NAMESPACE, bytes: parseNamespace(LEDGER_NAMESPACE) };

/** RFC 4122 name-based UUID (SHA-1, version 5): the same name always gives the same id. */
export function uuidv5(name: string, namespace: string = LEDGER_NAMESPACE): string {
  if (cached.namespace !== namespace) cached = { namespace, bytes: parseNamespace(namespace) };
  // One buffer and a one-shot hash: no Hash object per id.
  const input = Buffer.allocUnsafe(NAMESPACE_BYTES + Buffer.byteLength(name, 'utf8'));
  cached.bytes.copy(input, 0);
  input.write(name, NAMESPACE_BYTES, 'utf8');
  const bytes = hash('sha1', input, 'buffer');
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex', 0, NAMESPACE_BYTES);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseNamespace(namespace: string): Buffer {
  const bytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (bytes.length !== NAMESPACE_BYTES) throw new TypeError(`invalid namespace UUID: ${namespace}`);
  return bytes;
}
