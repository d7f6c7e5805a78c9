/**
 * Parsers of single settings: whole numbers in a range, lists, webhook secrets, sqlite: and
 * http(s) URLs, the event store's URL. Each pushes a message naming the
 * variable onto `problems` (never echoing a secret or credentials) and returns a fallback, so
 * loadConfig can report every bad setting at once.
 */
import { resolve } from 'node:path';
import type { EventStoreLocation } from './configTypes.js';

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** A whole number from `min` to `max`; absent or blank means `fallback`. */
export function parseWholeNumber(
  name: string,
  value: string | undefined,
  fallback: number,
  range: { readonly min: number; readonly max: number },
  problems: string[],
): number {
  const raw = value?.trim() || String(fallback);
  const parsed = Number(raw);
  if (!/^\d+$/.test(raw) || parsed < range.min || parsed > range.max) {
    problems.push(
      `${name} must be a whole number from ${range.min} to ${range.max} (got "${raw}")`,
    );
    return fallback;
  }
  return parsed;
}

export function splitList(raw: string | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).filter((part) => part !== '');
}

export function parseSecrets(
  raw: string | undefined,
  problems: string[],
  name = 'COMPILOT_WEBHOOK_SECRET',
): string[] {
  const secrets = splitList(raw);
  secrets.forEach((secret, index) => {
    const keyBytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
    if (!SECRET_PATTERN.test(secret) || keyBytes < 16) {
      // Never echo the secret itself: say which one and what is wrong.
      problems.push(
        `${name} entry ${index + 1} is not a whsec_ secret ` +
          '(expected "whsec_" followed by base64 of at least 16 bytes)',
      );
    }
  });
  return secrets;
}

export function parseEventStoreUrl(raw: string, problems: string[]): EventStoreLocation {
  if (/^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\//.test(raw)) {
    return { kind: 'kurrentdb', connectionString: raw };
  }
  return { kind: 'sqlite', path: parseSqliteUrl('EVENT_STORE_URL', raw, problems) };
}

export function parseSqliteUrl(name: string, raw: string, problems: string[]): string {
  const match = /^sqlite:(?:\/\/)?(.+)$/.exec(raw);
  if (!match?.[1]) {
    const kinds = name === 'EVENT_STORE_URL' ? 'sqlite:<file> or kurrentdb://...' : 'sqlite:<file>';
    problems.push(`${name} must be ${kinds} (got "${redactUrl(raw)}")`);
    return '';
  }
  return resolve(match[1]);
}

export function parseHttpUrl(name: string, raw: string, problems: string[]): string {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  problems.push(`${name} must be an http(s) URL (got "${redactUrl(raw)}")`);
  return raw;
}

/** Connection strings may carry credentials; show them without. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}
