/**
 * A count and its noun, agreeing in number: "1 customer", "2 customers", "0 problems".
 * `plural` is for nouns that do not just take an "s" ("delivery", "deliveries").
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
