/**
 * The one page shape and the one cursor codec of every paged answer (read-model lists, the audit
 * trail, the entries of a customer). Cursors are base64url JSON, so clients cannot come to depend
 * on their content and the server can change it. A cursor that does not decode is an
 * {@link InvalidCursorError}: a koa-style exposed 400 naming the parameter, so any HTTP error
 * mapper answers it without this module knowing about HTTP.
 */

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  readonly nextCursor: string | null;
}

/** A cursor this API did not issue. */
export class InvalidCursorError extends Error {
  readonly status = 400;
  readonly expose = true;
  constructor(name = 'cursor') {
    super(`parameter ${name} is not a cursor issued by this API (pass nextCursor back unchanged)`);
    this.name = 'InvalidCursorError';
  }
}

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
    throw new InvalidCursorError(name);
  }
  return fields as Record<K, string>;
}
