/**
 * verify's check of the recorded encryption of a plaintext store (the
 * `ledger.encrypted-after-the-fact` record, src/privacy/encryptionMigrationRecord.ts): it
 * accepts exactly that transition and nothing else.
 *
 * From the current events it recomputes the OLD chain of every stream, as of before the record:
 * a re-encrypted event's old form is its current one with `dataSha256` = the recorded
 * plaintextSha256 and the metadata without the `encryption` key; every other event is as
 * stored. Then, per listed stream, the old head must be the recorded one; the listed revisions
 * must be exactly the re-encrypted events (encrypted ones not listed make the counts or the old
 * head disagree); and the old heads as of the before-checkpoint's position must give its Merkle
 * root. Checkpoints signed before the migration are checked against these old heads.
 */
import { computeLink, coveredMetadataJson, sha256Hex } from '../ledger/link.js';
import { StreamHeads } from '../ledger/streamHeads.js';
import {
  ENCRYPTED_AFTER_THE_FACT,
  inRanges,
  type EncryptionMigrationRecord,
  type MigratedStream,
} from '../privacy/encryptionMigrationRecord.js';
import { ENCRYPTION_METADATA_KEY, encryptionMetadataOf } from '../privacy/encryptionMetadata.js';
import type { RecordedEvent } from '../store/eventStore.js';

export interface MigrationFinding {
  readonly message: string;
  readonly event?: RecordedEvent;
}

export interface MigrationChecker {
  /** The heads a checkpoint at `position` signed: the old chain's before the migration. */
  headsFor(position: string): StreamHeads | undefined;
  /** Call for each event in commit order, with its current link, before it moves the heads. */
  observe(event: RecordedEvent, currentLink: string): MigrationFinding[];
  finish(): MigrationFinding[];
}

const NONE: MigrationChecker = {
  headsFor: () => undefined,
  observe: () => [],
  finish: () => [],
};

export function createMigrationChecker(
  record: EncryptionMigrationRecord | undefined,
): MigrationChecker {
  if (record === undefined) return NONE;
  const { migration, position: recordPosition } = record;
  const listed = new Map<string, MigratedStream>(migration.streams.map((s) => [s.stream, s]));
  const oldHeads = new StreamHeads();
  const before = migration.beforeCheckpoint;
  let beforeRootChecked = false;
  let encryptedBefore = 0;
  const findings: MigrationFinding[] = [];

  function checkBeforeRoot(): void {
    beforeRootChecked = true;
    const root = oldHeads.root();
    if (root !== before.merkleRoot) {
      findings.push({
        message: `the pre-migration chain recomputed as of the before-checkpoint's position ${before.position} has Merkle root ${root}, the ${ENCRYPTED_AFTER_THE_FACT} record names ${before.merkleRoot}`,
      });
    }
  }

  function oldLink(event: RecordedEvent, stream: MigratedStream): string {
    const previousLink = oldHeads.previousLink(event.streamName);
    const revision = Number(event.revision);
    const current = {
      streamName: event.streamName,
      revision: event.revision,
      eventId: event.id,
      type: event.type,
      previousLink,
    };
    if (!inRanges(stream.revisions, revision)) {
      return computeLink({
        ...current,
        dataSha256: sha256Hex(event.encryption?.storedData ?? event.data),
        metadataJson: coveredMetadataJson(event.metadata),
      });
    }
    const encryption = encryptionMetadataOf(event.metadata);
    if (encryption === undefined) {
      findings.push({
        event,
        message: `${event.streamName} revision ${revision} is listed as re-encrypted by the migration but is not encrypted`,
      });
    }
    const metadata: Record<string, unknown> = { ...event.metadata };
    delete metadata[ENCRYPTION_METADATA_KEY];
    return computeLink({
      ...current,
      dataSha256: encryption?.plaintextSha256 ?? sha256Hex(event.data),
      metadataJson: coveredMetadataJson(metadata),
    });
  }

  return {
    headsFor: (position) => (position < recordPosition ? oldHeads : undefined),
    observe(event, currentLink) {
      if (event.position >= recordPosition) return findings.splice(0);
      if (!beforeRootChecked && event.position > before.position) checkBeforeRoot();
      if (ENCRYPTION_METADATA_KEY in event.metadata) encryptedBefore += 1;
      const stream = listed.get(event.streamName);
      oldHeads.advance(event, stream === undefined ? currentLink : oldLink(event, stream));
      return findings.splice(0);
    },
    finish() {
      if (!beforeRootChecked) checkBeforeRoot();
      const heads = new Map(oldHeads.list().map((head) => [head.streamName, head]));
      for (const stream of migration.streams) {
        const head = heads.get(stream.stream);
        const counted = stream.revisions.reduce((sum, [from, to]) => sum + to - from + 1, 0);
        if (
          counted !== stream.reEncrypted ||
          stream.revisions[0]?.[0] !== stream.firstChangedRevision
        ) {
          findings.push({
            message: `${stream.stream}: the migration record lists ${counted} re-encrypted revisions from ${String(stream.revisions[0]?.[0])}, but counts ${stream.reEncrypted} from ${stream.firstChangedRevision}`,
          });
        }
        if (head === undefined) {
          findings.push({
            message: `${stream.stream}: the migration record names a stream that held no events before it`,
          });
        } else if (
          Number(head.revision) !== stream.headRevision ||
          head.link !== stream.oldHeadLink
        ) {
          findings.push({
            message: `${stream.stream}: the pre-migration chain recomputed from the current events ends at revision ${head.revision} with link ${head.link}, the migration record names old head revision ${stream.headRevision} with link ${stream.oldHeadLink} (an event was changed beyond the recorded re-encryption, or re-encrypted without being listed)`,
          });
        }
      }
      const reEncrypted = migration.streams.reduce((sum, s) => sum + s.reEncrypted, 0);
      if (reEncrypted !== migration.reEncrypted) {
        findings.push({
          message: `the migration record's streams count ${reEncrypted} re-encrypted events, its total says ${migration.reEncrypted}`,
        });
      }
      if (encryptedBefore !== migration.alreadyEncrypted + migration.reEncrypted) {
        findings.push({
          message: `${encryptedBefore} events before the migration record are encrypted, the record accounts for ${migration.alreadyEncrypted + migration.reEncrypted} (${migration.alreadyEncrypted} already encrypted, ${migration.reEncrypted} re-encrypted): an event was encrypted outside the recorded migration`,
        });
      }
      return findings.splice(0);
    },
  };
}
