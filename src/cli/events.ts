import { parseArgs } from 'node:util';
import { COMMAND_SETTINGS, loadConfig } from '../config.js';
import { bodyText } from '../lib/bodyText.js';
import { createLogger } from '../lib/logger.js';
import { isErasedEvent } from '../events/erasedEvent.js';
import type { RecordedEvent } from '../store/eventStore.js';
import { readLogPages, readStreamPages } from '../store/logPages.js';
import { openEventStore } from '../store/openEventStore.js';
import { UsageError, type CliDeps } from './deps.js';
import { writeLine } from './output.js';

const USAGE = `usage: compilot-ledger events (--stream NAME | --all) [--after POSITION] [--limit N]

Prints stored events as NDJSON, oldest first: stream, revision, position, type, id,
metadata, recordedAt and the exact raw body as a string ("data"; base64 with
"dataEncoding":"base64" when the bytes are not UTF-8). Reads EVENT_STORE_URL; safe to run
while the service is running.`;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const { values } = parseOptions(args);
  if (values.help) {
    deps.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (Boolean(values.stream) === Boolean(values.all)) {
    throw new UsageError('give exactly one of --stream NAME or --all');
  }
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (values.limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new UsageError('--limit must be a whole number of at least 1');
  }

  const config = loadConfig(deps.env, { settings: COMMAND_SETTINGS.events });
  const store = openEventStore(config.eventStore, createLogger('warn'), { readOnly: true });
  try {
    if (values.stream !== undefined) {
      const [first] = await store.readStream(values.stream, { maxCount: 1 });
      if (first === undefined) {
        deps.stderr.write(`no stream named "${values.stream}" in the event store\n`);
        return 1;
      }
    }
    const pages =
      values.stream !== undefined
        ? readStreamPages(store, values.stream, { pageSize: 1000 })
        : readLogPages(store, { after: values.after, pageSize: 1000 });
    let printed = 0;
    for await (const page of pages) {
      for (const event of page) {
        if (printed++ >= limit) return 0;
        await writeLine(deps.stdout, JSON.stringify(toJson(event)));
      }
    }
    return 0;
  } finally {
    await store.close();
  }
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        stream: { type: 'string' },
        all: { type: 'boolean' },
        after: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The NDJSON shape of a stored event; shared with `export`. */
export function toJson(event: RecordedEvent): Record<string, unknown> {
  const body = bodyText(event.data);
  return {
    stream: event.streamName,
    revision: Number(event.revision),
    position: event.position,
    type: event.type,
    id: event.id,
    recordedAt: event.recordedAt.toISOString(),
    metadata: event.metadata,
    data: body.text,
    ...(body.base64 ? { dataEncoding: 'base64' } : {}),
    // Crypto-shredded: data is empty; the customer's erasure record says why.
    ...(isErasedEvent(event) ? { erased: true } : {}),
    // Encrypted at rest: the link covers these bytes, so an export stays recomputable.
    ...(event.encryption === undefined
      ? {}
      : {
          encryptionState: event.encryption.state,
          storedData: event.encryption.storedData.toString('base64'),
        }),
  };
}

export { USAGE };
