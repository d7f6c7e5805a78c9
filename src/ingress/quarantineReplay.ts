/**
 * Re-processing of quarantined deliveries. Each quarantined event is re-classified against the
 * CURRENT schema set, exactly as ingress would classify it today; one that now passes is
 * appended to its proper stream as a new event: same type and raw bytes as a live delivery, the
 * original WebhookMetadata, and `replayedFrom: { eventId, position }` naming the quarantined
 * original, which stays where it is (the log is immutable).
 *
 * The new event gets the id ingress gives a delivery that passes (UUIDv5 of its svix id), so a
 * second replay, and a later resend of the same message by Svix, are duplicates that write
 * nothing. Entries quarantined before quarantine entries had ids of their own hold that id
 * themselves (ids are unique store-wide): their replay gets one derived from the entry's id.
 * A delivery whose svix id already reached the proper stream (a later resend that passed) is
 * not replayed again; a `svix-id-conflict` entry never is (its svix id names another body).
 */
import { REPLAYED_METADATA_KEY, QUARANTINED_EVENT_TYPE } from '../events/types.js';
import { QUARANTINE_STREAM } from '../events/streams.js';
import { classifyDelivery } from './classify.js';
import { deliveryEventId } from './deliveryIdentity.js';
import type { ParsedBody } from './verifyWebhook.js';
import { uuidv5 } from '../lib/uuidv5.js';
import {
  EventIdInOtherStreamError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../store/eventStore.js';
import type { SchemaSet, ValidationError } from '../validation/schemas.js';
import { readStreamPages } from '../store/logPages.js';

/** Keys of QuarantineMetadata that describe the quarantine, not the delivery. */
// `encryption` is the store's own record of how the entry's bytes are encrypted at rest
// (src/privacy/): the replayed event gets its own.
const QUARANTINE_ONLY_KEYS = ['quarantineReason', 'eventType', 'errors', 'encryption'];

export type ReplayStatus =
  /** Still fails the current schemas (or is not JSON, or of an unknown type). */
  | 'still-invalid'
  /** Passes now and has not been replayed yet. */
  | 'replayable'
  | 'replayed'
  | 'already-replayed'
  /** The same svix id is already in the proper stream (a later delivery passed). */
  | 'already-delivered'
  /** Kept because its svix id was already stored with another body: never replayed. */
  | 'svix-id-conflict';

export interface QuarantineEntry {
  readonly event: RecordedEvent;
  readonly svixId: string | null;
  readonly receivedAt: string | null;
  /** Why ingress quarantined it, and the type it claimed. */
  readonly reason: string | null;
  readonly claimedType: string | null;
  readonly status: ReplayStatus;
  /** Where it goes once replayed (when it passes now). */
  readonly streamName?: string;
  /** Validation errors against the current schemas (when it still fails). */
  readonly errors?: readonly ValidationError[];
  /** The replayed event's position, when this run appended it. */
  readonly replayPosition?: string;
}

/**
 * The id of the replayed copy of a quarantined event: the one ingress would have given it, or,
 * for an entry that holds that id itself (quarantined by an earlier build), one derived from
 * the entry's id. Deterministic either way, so replay is idempotent.
 */
export function replayEventId(quarantined: RecordedEvent): string {
  const svixId = quarantined.metadata.svixId;
  if (typeof svixId === 'string' && deliveryEventId(svixId) !== quarantined.id) {
    return deliveryEventId(svixId);
  }
  return uuidv5(`quarantine-replay:${quarantined.id}`);
}

/** Every quarantined delivery with what a replay would do now; `apply` performs the replays. */
export async function* reviewQuarantine(
  store: EventStore,
  schemas: SchemaSet,
  options: { readonly apply: boolean; readonly clock?: () => Date },
): AsyncGenerator<QuarantineEntry> {
  const clock = options.clock ?? (() => new Date());
  for await (const page of readStreamPages(store, QUARANTINE_STREAM)) {
    for (const event of page) {
      if (event.type !== QUARANTINED_EVENT_TYPE) continue;
      yield await review(store, schemas, event, options.apply, clock);
    }
  }
}

async function review(
  store: EventStore,
  schemas: SchemaSet,
  event: RecordedEvent,
  apply: boolean,
  clock: () => Date,
): Promise<QuarantineEntry> {
  const meta = event.metadata;
  const base = {
    event,
    svixId: typeof meta.svixId === 'string' ? meta.svixId : null,
    receivedAt: typeof meta.receivedAt === 'string' ? meta.receivedAt : null,
    reason: typeof meta.quarantineReason === 'string' ? meta.quarantineReason : null,
    claimedType: typeof meta.eventType === 'string' ? meta.eventType : null,
  };
  if (meta.quarantineReason === 'svix-id-conflict') return { ...base, status: 'svix-id-conflict' };
  const verdict = classifyDelivery(parse(event.data), schemas);
  if (verdict.kind === 'quarantine') {
    return { ...base, status: 'still-invalid', errors: verdict.errors };
  }
  const { streamName, eventType } = verdict;
  const id = replayEventId(event);
  const existing = await findInStream(store, streamName, id, event.id, base.svixId);
  if (existing !== undefined) return { ...base, status: existing, streamName };
  if (!apply) return { ...base, status: 'replayable', streamName };

  const replayed: NewEvent = {
    id,
    type: eventType,
    data: event.data,
    metadata: {
      ...Object.fromEntries(
        Object.entries(meta).filter(([key]) => !QUARANTINE_ONLY_KEYS.includes(key)),
      ),
      // The body now passes this schema set, which is what schemaVersion records.
      schemaVersion: schemas.version,
      [REPLAYED_METADATA_KEY]: { eventId: event.id, position: event.position },
      replayedAt: clock().toISOString(),
    },
  };
  let result;
  try {
    result = await store.appendToStream(streamName, [replayed]);
  } catch (error) {
    // The delivery id is in another stream: that message was delivered (and routed) there.
    if (!(error instanceof EventIdInOtherStreamError)) throw error;
    return { ...base, status: 'already-delivered', streamName: error.existingStream };
  }
  return {
    ...base,
    status: result.duplicate ? 'already-replayed' : 'replayed',
    streamName,
    replayPosition: result.position,
  };
}

function parse(data: Buffer): ParsedBody {
  try {
    return { ok: true, value: JSON.parse(data.toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

async function findInStream(
  store: EventStore,
  streamName: string,
  replayId: string,
  quarantinedId: string,
  svixId: string | null,
): Promise<'already-replayed' | 'already-delivered' | undefined> {
  for await (const page of readStreamPages(store, streamName)) {
    for (const event of page) {
      const replayedFrom = event.metadata[REPLAYED_METADATA_KEY] as
        { eventId?: unknown } | undefined;
      if (replayedFrom?.eventId === quarantinedId) return 'already-replayed';
      if (event.id === replayId) return 'already-delivered';
      if (svixId !== null && event.metadata.svixId === svixId) return 'already-delivered';
    }
  }
  return undefined;
}
