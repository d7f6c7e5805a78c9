/**
 * Canonical JSON (the subset of RFC 8785 / JCS that ledger metadata needs): object keys sorted
 * by UTF-16 code units, no white space, strings and numbers as `JSON.stringify` writes them.
 * Two encoders agree on these bytes for the same value, which is what lets an auditor recompute
 * a link from a stored event with any JSON tool that sorts keys (`jq -cS` does).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no form for ' + value);
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      return canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
  }
}

function canonicalObject(object: Record<string, unknown>): string {
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`;
}
