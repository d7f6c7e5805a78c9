import { isUtf8 } from 'node:buffer';

/**
 * Stored bodies as JSON-safe text: the UTF-8 string when the bytes are valid UTF-8 (every
 * delivery ingress accepts is), base64 otherwise, so the bytes always round-trip exactly.
 */
export function bodyText(data: Buffer): { readonly text: string; readonly base64: boolean } {
  return isUtf8(data)
    ? { text: data.toString('utf8'), base64: false }
    : { text: data.toString('base64'), base64: true };
}
