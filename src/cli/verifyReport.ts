/**
 * `verify` leaves its last result outside the store (VERIFY_REPORT), for the audit web page:
 * written to a temporary file and renamed, so a reader never sees half a report.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoreVerificationSummary } from '../audit/storeVerification.js';

export function writeVerifyReport(
  path: string,
  summary: StoreVerificationSummary,
  checkpointFile: string | undefined,
): void {
  const report = {
    time: new Date().toISOString(),
    checkpoint:
      summary.checkpoint === undefined
        ? null
        : {
            file: checkpointFile,
            position: summary.checkpoint.position,
            merkleRoot: summary.checkpoint.merkleRoot,
          },
    events: summary.events,
    streams: summary.streams,
    links: summary.links,
    webhooks: summary.webhooks,
    snapshots: summary.snapshots,
    failures: summary.problems,
    ok: summary.problems === 0,
  };
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, path);
}
