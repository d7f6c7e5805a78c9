/**
 * Query-string and path parameter checks. Every failure is a 400 naming the parameter, so a typo
 * (`asof=`) or a malformed time never silently yields a wrong audit answer.
 */
import { badParameter } from '../http/httpError.js';

export type QueryParams = Readonly<Record<string, string | string[] | undefined>>;

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const MAX_TEXT = 256;

/** Rejects parameters the route does not know. */
export function onlyParams(query: QueryParams, allowed: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!allowed.includes(name)) {
      const known = allowed.length > 0 ? ` (this route takes ${allowed.join(', ')})` : '';
      throw badParameter(name, `is not supported${known}`);
    }
  }
}

export function optionalText(query: QueryParams, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw badParameter(name, 'must be given at most once');
  if (value === '') throw badParameter(name, 'must not be empty');
  if (value.length > MAX_TEXT || /\p{Cc}/u.test(value)) {
    throw badParameter(name, `must be printable text of at most ${MAX_TEXT} characters`);
  }
  return value;
}

/** An RFC 3339 date-time with an explicit offset, e.g. `2025-03-03T09:21:23Z`. */
export function optionalTime(query: QueryParams, name: string): Date | undefined {
  const value = optionalText(query, name);
  return value === undefined ? undefined : parseTime(name, value);
}

export function parseTime(name: string, value: string): Date {
  const time = isoTime(value);
  if (time === undefined) {
    throw badParameter(name, `must be ${ISO_TIME_DESCRIPTION} (got "${value}")`);
  }
  return time;
}

export const ISO_TIME_DESCRIPTION =
  'an ISO 8601 date-time with a time zone, e.g. 2025-03-03T09:21:23Z';

export const POINT_IN_TIME_DESCRIPTION = `${ISO_TIME_DESCRIPTION}, or a date such as 2025-03-03 (the end of that day, UTC)`;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * `asOf` / `knownAt`: a date-time, or a date alone meaning the end of that day in UTC
 * (`2026-12-04` = `2026-12-04T23:59:59.999Z`), because "the status on the 4th" means as it
 * stood once the 4th was over. Range bounds (`from`/`to`) still need a time.
 */
export function optionalPointInTime(query: QueryParams, name: string): Date | undefined {
  const value = optionalText(query, name);
  if (value === undefined) return undefined;
  const time = pointInTime(value);
  if (time === undefined) {
    throw badParameter(name, `must be ${POINT_IN_TIME_DESCRIPTION} (got "${value}")`);
  }
  return time;
}

/** The time a point-in-time parameter denotes (see {@link optionalPointInTime}), or undefined. */
export function pointInTime(value: string): Date | undefined {
  const date = ISO_DATE.exec(value);
  if (!date) return isoTime(value);
  const [year, month, day] = date.slice(1, 4).map(Number) as [number, number, number];
  const end = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years below 100 as 19xx.
  end.setUTCFullYear(year, month - 1, day);
  end.setUTCHours(23, 59, 59, 999);
  // Dates roll 2025-02-31 over into March; a date must name a real day.
  if (end.getUTCMonth() !== month - 1 || end.getUTCDate() !== day) return undefined;
  return end;
}

/** The time an RFC 3339 date-time denotes, or undefined when it is not one. */
export function isoTime(value: string): Date | undefined {
  const match = ISO_TIME.exec(value);
  const time = match ? new Date(value) : undefined;
  // Date accepts 2025-02-31 by rolling over; an audit parameter must mean what it says.
  if (!match || !time || Number.isNaN(time.getTime()) || !calendarValid(match)) return undefined;
  return time;
}

function calendarValid(match: RegExpExecArray): boolean {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

export function optionalEnum<T extends string>(
  query: QueryParams,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = optionalText(query, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw badParameter(name, `must be one of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  }
  return value as T;
}

export function optionalBoolean(query: QueryParams, name: string): boolean {
  const value = optionalText(query, name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw badParameter(name, 'must be true or false');
}

export interface LimitOptions {
  readonly fallback: number;
  readonly max: number;
}

export function limitParam(query: QueryParams, { fallback, max }: LimitOptions): number {
  const value = optionalText(query, 'limit');
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > max) {
    throw badParameter('limit', `must be a whole number from 1 to ${max}`);
  }
  return limit;
}

/** A path segment such as a customer id or wallet address (already URL-decoded by the router). */
export function pathParam(
  params: Readonly<Record<string, string | undefined>>,
  name: string,
): string {
  const value = params[name];
  if (value === undefined || value === '' || value.length > MAX_TEXT || /\p{Cc}/u.test(value)) {
    throw badParameter(name, `must be a non-empty id of at most ${MAX_TEXT} printable characters`);
  }
  return value;
}

/** A comma-separated list of enum values (`type=a,b`); undefined when absent. */
export function optionalEnumList<T extends string>(
  query: QueryParams,
  name: string,
  allowed: readonly T[],
): ReadonlySet<T> | undefined {
  const value = optionalText(query, name);
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw badParameter(
        name,
        `must be a comma-separated list of ${allowed.map((v) => `"${v}"`).join(', ')} (got "${item}")`,
      );
    }
  }
  return new Set(items as T[]);
}
