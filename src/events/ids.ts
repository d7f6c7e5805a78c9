/**
 * What counts as a plausible ComPilot id (customer id, alert id). The vendor schemas type most
 * ids as any string, but these ids become stream names and path segments of ComPilot API calls
 * (`/customers/{id}/details`): an id of `.` or `..` would turn the call into another endpoint,
 * one with `/` would add segments, and control characters or very long ids have no business in
 * a log, a URL or a stream name. Ingress quarantines such deliveries (`invalid-id`) and the
 * ComPilot client refuses to build a path from them.
 */

/** Longest plausible id, in characters (code points). */
export const MAX_ID_LENGTH = 256;

// \p{Cc}: C0 controls, DEL and C1 controls.
const FORBIDDEN = /[/\\\p{Cc}]/u;

/**
 * Why `id` is not a plausible ComPilot id, or undefined when it is. The answer never quotes the
 * id, so it is safe to log and to store as a quarantine reason.
 */
export function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'is not a string';
  if (id === '') return 'is empty';
  if (id === '.' || id === '..') return 'is a dot segment';
  const forbidden = FORBIDDEN.exec(id)?.[0];
  if (forbidden === '/') return 'contains "/"';
  if (forbidden === '\\') return 'contains "\\"';
  if (forbidden !== undefined) return 'contains a control character';
  if (countCodePoints(id) > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  return undefined;
}

export function isPlausibleId(id: unknown): id is string {
  return idProblem(id) === undefined;
}

function countCodePoints(text: string): number {
  // Cheap exit: a UTF-16 length within the limit has no more code points than that.
  if (text.length <= MAX_ID_LENGTH) return text.length;
  return Array.from(text).length;
}
