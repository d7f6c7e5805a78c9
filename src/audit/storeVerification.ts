/**
 * `compilot-ledger verify`: checks the whole log in one pass, in commit order, and reports
 * every problem with stream, revision and position:
 * - every stream unbroken from revision 0 to its head, every link recomputed from the stored
 *   fields and the previous link (events written before the ledger: only inside the range the
 *   `ledger.chained-after-the-fact` record names, with links computed here),
 * - every webhook delivery (webhookEvidence.ts) and every snapshot (snapshotCausation.ts),
 * - given a checkpoint, its signature, chain and Merkle root (checkpointVerification.ts),
 * - what only the adapter can check (EventStore.checkConsistency: on SQLite, gap-free positions
 *   and the streams table).
 *
 * Memory grows with the number of streams and of svix ids and customer events, never with the
 * size of bodies.
 */
import { inChainedRange, readChainedRecord, type ChainedRecord } from '../ledger/chainedRecord.js';
import { recomputeLink } from '../ledger/chain.js';
import { StreamHeads } from '../ledger/streamHeads.js';
import { checkEncryption } from '../privacy/encryptionEvidence.js';
import {
  readEncryptionMigration,
  type EncryptionMigrationRecord,
} from '../privacy/encryptionMigrationRecord.js';
import { createErasureChecker, type ErasureCounts } from '../retention/erasureEvidence.js';
import { createMigrationChecker } from './migrationVerification.js';
import type { EventStore, RecordedEvent } from '../store/eventStore.js';
import {
  checkpointFileFindings,
  createCheckpointChecker,
  type CheckpointEvidence,
  type CheckpointSummary,
} from './checkpointVerification.js';
import { readLogPages } from '../store/logPages.js';
import type { SignatureProver } from './signatureProof.js';
import { createSnapshotCausationChecker } from './snapshotCausation.js';
import { createWebhookEvidenceChecker, type WebhookEvidenceCounts } from './webhookEvidence.js';

export type ProblemKind =
  | 'revision'
  | 'link'
  | 'signature'
  | 'webhook'
  | 'causation'
  | 'checkpoint'
  | 'store'
  | 'encryption'
  | 'migration'
  | 'erasure';

export interface StoreProblem {
  readonly kind: ProblemKind;
  readonly streamName?: string;
  readonly revision?: number;
  readonly position?: string;
  readonly eventId?: string;
  readonly message: string;
}

export interface StoreVerificationSummary {
  readonly events: number;
  readonly streams: number;
  readonly links: { readonly stored: number; readonly computed: number };
  readonly webhooks: WebhookEvidenceCounts;
  readonly snapshots: { readonly linked: number; readonly unlinked: number };
  /** Crypto-shredded events (chain intact, body unreadable) and the records covering them. */
  readonly erasure: ErasureCounts;
  readonly checkpoint: CheckpointSummary | undefined;
  /** Whether the adapter had its own consistency checks (SQLite does). */
  readonly storeChecks: boolean;
  readonly problems: number;
}

export interface VerifyStoreOptions {
  /** Re-verifies webhook signatures; omitted skips them (benchmarks). */
  readonly prove?: SignatureProver;
  readonly checkpoint?: CheckpointEvidence;
  /** Called for each problem as it is found (the CLI prints them as it goes). */
  readonly onProblem?: (problem: StoreProblem) => void | Promise<void>;
  readonly pageSize?: number;
}

export async function verifyStore(
  store: EventStore,
  options: VerifyStoreOptions,
): Promise<StoreVerificationSummary> {
  let problems = 0;
  const report = async (kind: ProblemKind, message: string, event?: RecordedEvent) => {
    problems += 1;
    await options.onProblem?.({
      kind,
      message,
      ...(event === undefined
        ? {}
        : {
            streamName: event.streamName,
            revision: Number(event.revision),
            position: event.position,
            eventId: event.id,
          }),
    });
  };

  let chained: ChainedRecord | undefined;
  try {
    chained = await readChainedRecord(store);
  } catch (error) {
    await report('link', (error as Error).message);
  }
  let migrationRecord: EncryptionMigrationRecord | undefined;
  try {
    migrationRecord = await readEncryptionMigration(store);
  } catch (error) {
    await report('migration', (error as Error).message);
  }
  // Checkpoints signed before a recorded encryption of the store cover its old chain.
  const migration = createMigrationChecker(migrationRecord);
  const checkpointHeads = (heads: StreamHeads) =>
    (options.checkpoint && migration.headsFor(options.checkpoint.checkpoint.position)) || heads;
  const heads = new StreamHeads();
  const webhooks = createWebhookEvidenceChecker(options.prove);
  const snapshots = createSnapshotCausationChecker();
  const erasure = createErasureChecker();
  const checkpoints =
    options.checkpoint === undefined ? undefined : createCheckpointChecker(options.checkpoint);
  for (const finding of options.checkpoint ? checkpointFileFindings(options.checkpoint) : []) {
    await report('checkpoint', finding.message, finding.event);
  }

  let events = 0;
  let stored = 0;
  let computed = 0;
  let linked = 0;
  let unlinked = 0;
  for await (const page of readLogPages(store, { pageSize: options.pageSize ?? 1000 })) {
    for (const event of page) {
      events += 1;
      for (const finding of checkpoints?.beforeEvent(event, checkpointHeads(heads)) ?? []) {
        await report('checkpoint', finding.message, finding.event);
      }
      const expected = heads.nextRevision(event.streamName);
      if (event.revision !== expected) {
        await report(
          'revision',
          `revision ${event.revision} where ${expected} was expected: the stream's chain is broken (events missing, repeated or reordered)`,
          event,
        );
      }
      const { link, dataSha256 } = recomputeLink(event, heads.previousLink(event.streamName));
      if (event.link !== undefined) {
        stored += 1;
        if (event.dataSha256 !== undefined && event.dataSha256 !== dataSha256) {
          await report(
            'link',
            'the stored data no longer hashes to its recorded dataSha256',
            event,
          );
        }
        if (event.link !== link) {
          await report(
            'link',
            'the stored link does not match the one recomputed from the event and its predecessor (the event, or one before it in the stream, was changed)',
            event,
          );
        }
      } else {
        computed += 1;
        if (!inChainedRange(chained?.range, event.position)) {
          await report(
            'link',
            chained === undefined
              ? 'the event has no link and the store records no chained-after-the-fact range'
              : `the event has no link and lies outside the chained-after-the-fact range (${chained.range.firstPosition}..${chained.range.lastPosition})`,
            event,
          );
        }
      }
      for (const finding of migration.observe(event, event.link ?? link)) {
        await report('migration', finding.message, finding.event);
      }
      heads.advance(event, event.link ?? link);

      const encryption = checkEncryption(event);
      // An erased event is accounted for by an erasure record or reported at the end
      // (erasureEvidence.ts); every other problem of its encryption is reported here.
      const erased = erasure.check(event);
      for (const message of erased ? [] : encryption.problems) {
        await report('encryption', message, event);
      }
      // An unreadable body has no signature or content to check.
      for (const finding of encryption.readable ? webhooks.check(event) : []) {
        await report(finding.kind, finding.message, event);
      }
      const causation = snapshots.check(event);
      if (causation !== undefined) {
        if (causation.length === 0) linked += 1;
        else {
          unlinked += 1;
          await report('causation', causation.join('; '), event);
        }
      }
    }
  }
  if (chained !== undefined && computed !== chained.range.count) {
    await report(
      'link',
      `the chained-after-the-fact record counts ${chained.range.count} events without a stored link, the store holds ${computed}`,
    );
  }
  for (const finding of erasure.finish()) {
    await report(finding.kind, finding.message, finding.event as RecordedEvent | undefined);
  }
  for (const finding of migration.finish()) {
    await report('migration', finding.message, finding.event);
  }
  for (const finding of checkpoints?.finish(checkpointHeads(heads), chained) ?? []) {
    await report('checkpoint', finding.message, finding.event);
  }
  const inconsistencies = (await store.checkConsistency?.()) ?? [];
  for (const problem of inconsistencies) {
    problems += 1;
    await options.onProblem?.({ kind: 'store', ...problem });
  }
  return {
    events,
    streams: heads.size,
    links: { stored, computed },
    webhooks: webhooks.counts(),
    snapshots: { linked, unlinked },
    erasure: erasure.counts(),
    checkpoint: checkpoints?.summary(),
    storeChecks: store.checkConsistency !== undefined,
    problems,
  };
}
