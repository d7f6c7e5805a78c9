/** Reading the profile parts of a details snapshot (compilot.md §2.7), defensively. */
import { isObject, text, type JsonObject } from './eventFacts.js';
import { NO_CLAIMS, type CustomerClaims } from './customerTypes.js';

/** First non-empty value of each claim across `customerClaims`, then `customerPersonalInformation`. */
export function claimsOf(body: JsonObject): CustomerClaims | undefined {
  const claims = Array.isArray(body.customerClaims)
    ? (body.customerClaims as unknown[])
    : undefined;
  const personal = isObject(body.customerPersonalInformation)
    ? body.customerPersonalInformation
    : undefined;
  if (claims === undefined && personal === undefined) return undefined;
  const result: { -readonly [K in keyof CustomerClaims]: string | null } = { ...NO_CLAIMS };
  const fill = (field: keyof CustomerClaims, value: unknown): void => {
    const value_ = text(value);
    if (result[field] === null && value_ !== null && value_ !== '') result[field] = value_;
  };
  for (const claim of claims ?? []) {
    if (!isObject(claim)) continue;
    fill('name', claim.name);
    fill('givenName', claim.givenName);
    fill('familyName', claim.familyName);
    fill('birthdate', claim.birthdate);
    fill('nationality', claim.nationality);
    fill('residence', claim.countryOfResidence ?? claim.residence);
  }
  if (personal !== undefined) {
    fill('nationality', personal.nationality);
    fill('residence', personal.residence);
  }
  return result;
}

export function claimsTie(claims: CustomerClaims): string {
  return [
    claims.name,
    claims.givenName,
    claims.familyName,
    claims.birthdate,
    claims.nationality,
    claims.residence,
  ].join('\n');
}

export function emailsOf(list: readonly unknown[]): string[] {
  const emails = new Set<string>();
  for (const item of list) {
    const email = text(isObject(item) ? item.email : item);
    if (email !== null && email !== '') emails.add(email);
  }
  return [...emails].sort();
}
