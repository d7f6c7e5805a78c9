/**
 * The ledger's own health as the viewer shows it on every page: the newest signed checkpoint
 * (the last event of stream `ledger-checkpoints`) and the summary of the last `verify` run (the
 * JSON file at VERIFY_REPORT). Both are written by the ledger's checkpoint and verify commands;
 * this is the one place that knows their shape, so a change there is adapted here only.
 * Anything missing or unreadable reads as "not yet", never as an error page.
 */
import { readFile } from 'node:fs/promises';
import type { EventStore } from '../store/eventStore.js';

export const CHECKPOINT_STREAM = 'ledger-checkpoints';
export const CHECKPOINT_EVENT_TYPE = 'ledger.checkpoint';

export interface CheckpointSummary {
  /** The log position the checkpoint covers. */
  readonly position: string;
  readonly createdAt: string | null;
}

export interface VerifySummary {
  readonly ok: boolean;
  /** When the verify run finished (or started, whichever the report carries). */
  readonly at: string | null;
  readonly failures: number | null;
}

export interface LedgerStatus {
  readonly checkpoint: CheckpointSummary | null;
  readonly verify: VerifySummary | null;
}

export type LedgerStatusReader = () => Promise<LedgerStatus>;

export function createLedgerStatusReader(deps: {
  readonly store: EventStore;
  /** VERIFY_REPORT; undefined = no report is looked for. */
  readonly verifyReportPath: string | undefined;
}): LedgerStatusReader {
  return async () => {
    const [checkpoint, verify] = await Promise.all([
      lastCheckpoint(deps.store),
      deps.verifyReportPath === undefined ? null : readVerifyReport(deps.verifyReportPath),
    ]);
    return { checkpoint, verify };
  };
}

async function lastCheckpoint(store: EventStore): Promise<CheckpointSummary | null> {
  const [event] = await store.readStream(CHECKPOINT_STREAM, {
    direction: 'backwards',
    maxCount: 1,
  });
  if (event === undefined || event.type !== CHECKPOINT_EVENT_TYPE) return null;
  const data = parseObject(event.data.toString('utf8'));
  const position = data?.position;
  if (typeof position !== 'string' && typeof position !== 'number') return null;
  return { position: String(position), createdAt: text(data?.createdAt) };
}

async function readVerifyReport(path: string): Promise<VerifySummary | null> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    // No report yet (verify never ran here) or not readable: both show as "never verified".
    return null;
  }
  const report = parseObject(raw);
  if (report === undefined || typeof report.ok !== 'boolean') return null;
  const failures = report.failures ?? report.failureCount;
  return {
    ok: report.ok,
    at: text(report.finishedAt) ?? text(report.verifiedAt) ?? text(report.at) ?? text(report.time),
    failures:
      typeof failures === 'number' ? failures : Array.isArray(failures) ? failures.length : null,
  };
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
