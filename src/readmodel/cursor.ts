/**
 * Opaque pagination cursors: base64url JSON, so clients cannot come to depend on their content
 * and the server can change it. A cursor that does not decode is a 400 naming `cursor`.
 */
import { badParameter } from '../http/clientErrors.js';

export function encodeCursor(fields: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/** Decodes a cursor this API issued, requiring the given string fields. */
export function decodeCursor<K extends string>(
  raw: string,
  keys: readonly K[],
  name = 'cursor',
): Record<K, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const fields = parsed as Record<string, unknown> | undefined;
  if (
    typeof fields !== 'object' ||
    fields === null ||
    !keys.every((key) => typeof fields[key] === 'string')
  ) {
    throw badParameter(name, 'is not a cursor issued by this API (pass nextCursor back unchanged)');
  }
  return fields as Record<K, string>;
}
