/**
 * Encrypting an existing plaintext store (issue 15 item 2), the one sanctioned rewrite of the
 * log, on SQLite:
 * 1. a checkpoint of the plaintext heads is signed and kept (the last checkpoint is reused when
 *    nothing was appended since, so a rerun after a crash signs no second one);
 * 2. in ONE transaction every event the subject rule assigns to a customer is re-encrypted
 *    (encryptionMetadata.ts's format, as if encrypted at append), every affected stream's links
 *    are recomputed from its first changed revision, and 3. the record
 *    (encryptionMigrationRecord.ts) of old and new heads is appended;
 * 4. a checkpoint of the encrypted heads is signed.
 * A crash leaves the old store or the new one; rerunning finishes what is missing (the after
 * checkpoint) and is otherwise a no-op.
 */
import type { Logger } from '../lib/logger.js';
import { createCheckpointer } from '../ledger/checkpointer.js';
import {
  CHECKPOINT_STREAM,
  checkpointHash,
  parseCheckpoint,
  type Checkpoint,
} from '../ledger/checkpointFormat.js';
import type { SigningKey } from '../ledger/signingKey.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import { readLogPages } from '../store/logPages.js';
import { openExclusively, rewriteInPlace } from '../store/sqlite/inPlaceRewrite.js';
import { canonicalJson } from '../ledger/canonicalJson.js';
import {
  ENCRYPTED_AFTER_THE_FACT,
  ENCRYPTION_MIGRATION_ID,
  ENCRYPTION_MIGRATION_STREAM,
  readEncryptionMigration,
  toRanges,
  type EncryptionMigration,
} from './encryptionMigrationRecord.js';
import { ENCRYPTION_METADATA_KEY, encryptEvent } from './encryptionMetadata.js';
import type { DataKey } from './keyCache.js';
import type { KeyStore } from './keyStore.js';
import { subjectOf } from './subjectRule.js';

export interface EncryptStoreOptions {
  /** The SQLite event store file. */
  readonly path: string;
  /** Opens the store through the port, with encryption at rest (closed by the caller's close). */
  readonly openStore: () => { readonly store: EventStore; readonly keys: KeyStore };
  readonly signingKey: SigningKey;
  readonly checkpointSink?: string;
  readonly logger?: Logger;
  readonly clock?: () => Date;
}

export type EncryptStoreOutcome =
  | { readonly kind: 'empty' }
  | { readonly kind: 'nothing-to-encrypt'; readonly alreadyEncrypted: number }
  | { readonly kind: 'plaintext-after-migration'; readonly plaintext: number; readonly at: string }
  | {
      readonly kind: 'encrypted';
      readonly migration: EncryptionMigration;
      readonly recordPosition: string;
      readonly before: Checkpoint;
      readonly after: Checkpoint | undefined;
      /** False when an earlier run had done it and this one only finished the checkpoint. */
      readonly now: boolean;
    };

interface Survey {
  readonly plaintext: number;
  readonly alreadyEncrypted: number;
  readonly subjects: ReadonlySet<string>;
}

/** Events that must be encrypted and are not, and the customers they belong to. */
async function survey(store: EventStore, after?: string): Promise<Survey> {
  let plaintext = 0;
  let alreadyEncrypted = 0;
  const subjects = new Set<string>();
  for await (const page of readLogPages(store, { pageSize: 1000 })) {
    for (const event of page) {
      if (after !== undefined && event.position <= after) continue;
      if (isStoredEncrypted(event)) alreadyEncrypted += 1;
      else {
        const subject = subjectOf(event.streamName, event.type, event.data);
        if (subject !== undefined) {
          plaintext += 1;
          subjects.add(subject);
        }
      }
    }
  }
  return { plaintext, alreadyEncrypted, subjects };
}

function isStoredEncrypted(event: RecordedEvent): boolean {
  return event.encryption !== undefined || ENCRYPTION_METADATA_KEY in event.metadata;
}

async function withStore<T>(
  options: EncryptStoreOptions,
  body: (store: EventStore, keys: KeyStore) => Promise<T>,
): Promise<T> {
  const { store, keys } = options.openStore();
  try {
    return await body(store, keys);
  } finally {
    await store.close();
  }
}

/** Throws StoreInUseError (src/store/sqlite/inPlaceRewrite.ts) while the service runs. */
export async function encryptStore(options: EncryptStoreOptions): Promise<EncryptStoreOutcome> {
  const clock = options.clock ?? (() => new Date());
  openExclusively(options.path).close(); // refuse at once, before signing anything
  const checkpointer = (store: EventStore) =>
    createCheckpointer({
      store,
      key: options.signingKey,
      sink: options.checkpointSink,
      logger: options.logger,
      clock,
    });

  const plan = await withStore(options, async (store, keys) => {
    if ((await store.headPosition()) === undefined) return { kind: 'empty' } as const;
    const done = await readEncryptionMigration(store);
    if (done !== undefined) {
      const since = await survey(store, done.position);
      if (since.plaintext > 0) {
        return {
          kind: 'plaintext-after-migration',
          plaintext: since.plaintext,
          at: done.position,
        } as const;
      }
      const after = await checkpointer(store).checkpoint({ force: false });
      return { kind: 'finished', done, after } as const;
    }
    const found = await survey(store);
    if (found.plaintext === 0) {
      return { kind: 'nothing-to-encrypt', alreadyEncrypted: found.alreadyEncrypted } as const;
    }
    // Keys first, in the key store's own transactions: durable before any event uses them.
    const dataKeys = new Map<string, DataKey>();
    for (const subject of found.subjects) dataKeys.set(subject, await keys.keyForAppend(subject));
    const before =
      (await checkpointer(store).checkpoint({ force: false })) ?? (await lastCheckpoint(store));
    const head = (await store.headPosition())!;
    return { kind: 'rewrite', found, dataKeys, before, head } as const;
  });
  if (plan.kind === 'finished') {
    const before = await withStore(options, (store) =>
      checkpointNamed(store, plan.done.migration.beforeCheckpoint.hash),
    );
    return {
      kind: 'encrypted',
      migration: plan.done.migration,
      recordPosition: plan.done.position,
      before,
      after: plan.after,
      now: false,
    };
  }
  if (plan.kind !== 'rewrite') return plan;

  const { found, dataKeys, before, head } = plan;
  const encryptedAt = clock().toISOString();
  let migration: EncryptionMigration | undefined;
  const db = openExclusively(options.path);
  let result;
  try {
    result = rewriteInPlace(db, {
      expectedHead: head,
      recordedAt: encryptedAt,
      transform: (event) => {
        if (ENCRYPTION_METADATA_KEY in event.metadata) return undefined;
        const subject = subjectOf(event.streamName, event.type, event.data);
        if (subject === undefined) return undefined;
        const key = dataKeys.get(subject);
        if (key === undefined) throw new Error(`no data key was prepared for subject ${subject}`);
        const { data, metadata } = encryptEvent(event.streamName, event, key);
        return { data, metadata };
      },
      record: (streams) => {
        migration = {
          encryptedAt,
          beforeCheckpoint: {
            position: before.position,
            merkleRoot: before.merkleRoot,
            hash: checkpointHash(before),
          },
          alreadyEncrypted: found.alreadyEncrypted,
          reEncrypted: streams.reduce((sum, s) => sum + s.replaced.length, 0),
          streams: streams.map((s) => ({
            stream: s.streamName,
            headRevision: s.headRevision,
            oldHeadLink: s.oldHeadLink,
            newHeadLink: s.newHeadLink,
            firstChangedRevision: s.replaced[0]!,
            reEncrypted: s.replaced.length,
            revisions: toRanges(s.replaced),
          })),
        };
        return {
          streamName: ENCRYPTION_MIGRATION_STREAM,
          event: {
            id: ENCRYPTION_MIGRATION_ID,
            type: ENCRYPTED_AFTER_THE_FACT,
            data: Buffer.from(JSON.stringify(migration), 'utf8'),
            metadataJson: canonicalJson({ encryptedAt }),
          },
        };
      },
    });
  } finally {
    db.close();
  }
  if (result === undefined || migration === undefined) {
    throw new Error('the rewrite found nothing to encrypt although the survey did');
  }
  options.logger?.warn(
    { reEncrypted: migration.reEncrypted, streams: migration.streams.length },
    'plaintext store encrypted; recorded in the ledger stream',
  );
  const after = await withStore(options, (store) =>
    checkpointer(store).checkpoint({ force: false }),
  );
  return {
    kind: 'encrypted',
    migration,
    recordPosition: result.recordPosition,
    before,
    after,
    now: true,
  };
}

async function lastCheckpoint(store: EventStore): Promise<Checkpoint> {
  const [last] = await store.readStream(CHECKPOINT_STREAM, { direction: 'backwards', maxCount: 1 });
  if (last === undefined) throw new Error('no checkpoint could be signed');
  return parseCheckpoint(last.data.toString('utf8'));
}

async function checkpointNamed(store: EventStore, hash: string): Promise<Checkpoint> {
  for (const event of await store.readStream(CHECKPOINT_STREAM, { direction: 'backwards' })) {
    const checkpoint = parseCheckpoint(event.data.toString('utf8'));
    if (checkpointHash(checkpoint) === hash) return checkpoint;
  }
  throw new Error(`the before-checkpoint ${hash} the migration record names is not in the store`);
}
