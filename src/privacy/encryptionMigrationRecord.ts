/**
 * The record of the one-time encryption of a plaintext store (storeEncryptionMigration.ts): ONE
 * event of type {@link ENCRYPTED_AFTER_THE_FACT} in stream `ledger`, written in the same SQLite
 * transaction as the rewrite. It names, per rewritten stream, the head before (revision and link
 * of the old chain) and after, and the revisions re-encrypted, and the checkpoint signed just
 * before; verify (src/audit/migrationVerification.ts) recomputes the old chain from the current
 * events and accepts exactly that transition.
 */
import { uuidv5 } from '../lib/uuidv5.js';
import type { EventStore } from '../store/eventStore.js';

export const ENCRYPTED_AFTER_THE_FACT = 'ledger.encrypted-after-the-fact';
const LEDGER_STREAM = 'ledger';
export const ENCRYPTION_MIGRATION_STREAM = LEDGER_STREAM;
/** One migration per store, ever: the record's id is fixed. */
export const ENCRYPTION_MIGRATION_ID = uuidv5(`${LEDGER_STREAM}/${ENCRYPTED_AFTER_THE_FACT}`);

export interface MigratedStream {
  readonly stream: string;
  /** Revision of the stream's head (the same before and after: no event is added or removed). */
  readonly headRevision: number;
  readonly oldHeadLink: string;
  readonly newHeadLink: string;
  readonly firstChangedRevision: number;
  /** How many of its events were re-encrypted. */
  readonly reEncrypted: number;
  /** Those events' revisions as inclusive ranges [from, to], ascending. */
  readonly revisions: readonly (readonly [number, number])[];
}

export interface EncryptionMigration {
  readonly encryptedAt: string;
  /** The checkpoint signed over the plaintext store just before the rewrite. */
  readonly beforeCheckpoint: {
    readonly position: string;
    readonly merkleRoot: string;
    readonly hash: string;
  };
  /** Events already stored encrypted before the migration (a partly encrypted store). */
  readonly alreadyEncrypted: number;
  readonly reEncrypted: number;
  readonly streams: readonly MigratedStream[];
}

export interface EncryptionMigrationRecord {
  readonly migration: EncryptionMigration;
  /** Where the record is stored: every event before it predates the migration. */
  readonly position: string;
}

/** Ascending revisions as inclusive ranges: a stream encrypted whole is one range. */
export function toRanges(revisions: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const revision of revisions) {
    const last = ranges.at(-1);
    if (last !== undefined && last[1] === revision - 1) last[1] = revision;
    else ranges.push([revision, revision]);
  }
  return ranges;
}

export function inRanges(
  ranges: readonly (readonly [number, number])[],
  revision: number,
): boolean {
  return ranges.some(([from, to]) => revision >= from && revision <= to);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses the record's data; throws an Error naming the first field that is wrong. */
export function parseEncryptionMigration(text: string): EncryptionMigration {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`the ${ENCRYPTED_AFTER_THE_FACT} record is not JSON`);
  }
  const bad = (field: string) =>
    new Error(`the ${ENCRYPTED_AFTER_THE_FACT} record has no valid "${field}"`);
  const m = (value ?? {}) as Record<string, unknown>;
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (typeof m.encryptedAt !== 'string') throw bad('encryptedAt');
  if (!count(m.alreadyEncrypted)) throw bad('alreadyEncrypted');
  if (!count(m.reEncrypted)) throw bad('reEncrypted');
  const before = (m.beforeCheckpoint ?? {}) as Record<string, unknown>;
  if (
    typeof before.position !== 'string' ||
    typeof before.merkleRoot !== 'string' ||
    !HEX64.test(before.merkleRoot) ||
    typeof before.hash !== 'string' ||
    !HEX64.test(before.hash)
  ) {
    throw bad('beforeCheckpoint');
  }
  if (!Array.isArray(m.streams)) throw bad('streams');
  const streams = m.streams.map((entry: unknown, index) => {
    const s = (entry ?? {}) as Record<string, unknown>;
    const ok =
      typeof s.stream === 'string' &&
      count(s.headRevision) &&
      typeof s.oldHeadLink === 'string' &&
      typeof s.newHeadLink === 'string' &&
      count(s.firstChangedRevision) &&
      count(s.reEncrypted) &&
      Array.isArray(s.revisions) &&
      s.revisions.every(
        (r: unknown) =>
          Array.isArray(r) && r.length === 2 && count(r[0]) && count(r[1]) && r[0] <= r[1],
      );
    if (!ok) throw bad(`streams[${index}]`);
    return s as unknown as MigratedStream;
  });
  return {
    encryptedAt: m.encryptedAt,
    beforeCheckpoint: {
      position: before.position,
      merkleRoot: before.merkleRoot,
      hash: before.hash,
    },
    alreadyEncrypted: m.alreadyEncrypted as number,
    reEncrypted: m.reEncrypted as number,
    streams,
  };
}

/** The store's migration record, or undefined when it was never migrated. */
export async function readEncryptionMigration(
  store: EventStore,
): Promise<EncryptionMigrationRecord | undefined> {
  const events = await store.readStream(ENCRYPTION_MIGRATION_STREAM, { maxCount: 100 });
  const record = events.find((event) => event.type === ENCRYPTED_AFTER_THE_FACT);
  if (record === undefined) return undefined;
  return {
    migration: parseEncryptionMigration(record.data.toString('utf8')),
    position: record.position,
  };
}
