/**
 * The loaded schema set and the webhook fixtures the schema tests (test/validation/*Schemas and
 * schemas.test.ts) validate, with the error paths a body gets, so each test names exactly which
 * part of a body a schema refuses.
 */
import { readFileSync } from 'node:fs';
import type { WebhookEventType } from '../../src/events/types.js';
import { loadSchemaSet } from '../../src/validation/schemas.js';

export const schemas = loadSchemaSet();

export interface Body {
  readonly eventType: string;
  readonly payload: Record<string, unknown>;
}

/** The fixture body of an event type, from test/fixtures/webhooks. */
export function fixture(eventType: WebhookEventType): Body {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/webhooks/${eventType}.json`, import.meta.url), 'utf8'),
  ) as Body;
}

/** The JSON pointer of each error the body gets as that event type; none when valid. */
export function errorPaths(eventType: WebhookEventType, body: unknown): string[] {
  const result = schemas.validate(eventType, body);
  return result.ok ? [] : result.errors.map((error) => error.path);
}
