import { readFileSync } from 'node:fs';

/** The raw bytes of a webhook fixture body, test/fixtures/webhooks/<eventType>.json. */
export function webhookFixture(eventType: string): Buffer {
  return readFileSync(new URL(`../fixtures/webhooks/${eventType}.json`, import.meta.url));
}
