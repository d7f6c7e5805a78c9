/**
 * `npm run bench:verify [-- --events N --customers M]`: verify throughput over a synthetic
 * ComPilot log (bench/rebuildLog.ts, default 1,000,000 events over 50,000 customers) in a temp
 * SQLite store, every webhook re-signed with a real Svix-format HMAC so signature checks do the
 * work they do in production. In one run, on the same file: the raw scan (readAll pages, the
 * least any verify must do: the baseline), signing a checkpoint (full scan + Merkle root),
 * verify --checkpoint with signature checks skipped, and the full verify --checkpoint. Prints
 * figures only; no assertions. (Named verifyThroughput.ts: src/cli/verify.ts owns the name.)
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCheckpointer } from '../src/ledger/checkpointer.js';
import { generateSigningKeyBase64, parseSigningKey } from '../src/ledger/signingKey.js';
import { readLogPages } from '../src/store/logPages.js';
import { createSignatureProver } from '../src/audit/signatureProof.js';
import { verifyStore, type StoreProblem } from '../src/audit/storeVerification.js';
import type { NewEvent } from '../src/store/eventStore.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { syntheticLog } from './rebuildLog.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    customers: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const customers = Number(values.customers ?? Math.max(1, Math.round(events / 20)));
const secret = `whsec_${randomBytes(24).toString('base64')}`;
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');

/** The synthetic event, its placeholder signature replaced by a real one (as Svix signs). */
function signed(event: NewEvent): NewEvent {
  const { svixId, svixTimestamp } = event.metadata;
  if (typeof svixId !== 'string' || typeof svixTimestamp !== 'string') return event;
  const mac = createHmac('sha256', key)
    .update(`${svixId}.${svixTimestamp}.`)
    .update(event.data)
    .digest('base64');
  return { ...event, metadata: { ...event.metadata, svixSignature: `v1,${mac}` } };
}

/**
 * The synthetic snapshots name their causes by id only (positions are unknown when the log is
 * generated, and a late webhook may even be generated after its snapshot); here a snapshot is
 * appended once its cause is, with the cause's position, as the enrichment reactor does.
 */
class CausePositions {
  private readonly waiting = new Map<
    string,
    { promise: Promise<string>; resolve: (p: string) => void }
  >();

  of(id: string): Promise<string> {
    let entry = this.waiting.get(id);
    if (entry === undefined) {
      let resolve!: (p: string) => void;
      const promise = new Promise<string>((r) => (resolve = r));
      entry = { promise, resolve };
      this.waiting.set(id, entry);
    }
    return entry.promise;
  }

  stored(id: string, position: string): void {
    void this.of(id);
    this.waiting.get(id)!.resolve(position);
  }

  /** The log was cut at --events: causes never generated resolve to no position. */
  giveUp(): void {
    for (const entry of this.waiting.values()) entry.resolve('');
  }
}

async function withCausePositions(event: NewEvent, causes: CausePositions): Promise<NewEvent> {
  const { causationId, causedBy } = event.metadata as {
    causationId?: string;
    causedBy?: { id: string }[];
  };
  if (causationId === undefined || causationId === 'none') return event;
  return {
    ...event,
    metadata: {
      ...event.metadata,
      causationPosition: await causes.of(causationId),
      causedBy: await Promise.all(
        (causedBy ?? []).map(async (cause) => ({ ...cause, position: await causes.of(cause.id) })),
      ),
    },
  };
}

async function writeLog(path: string): Promise<void> {
  const store = openSqliteEventStore({ path, maxBatchSize: 5000 });
  const inFlight = new Set<Promise<unknown>>();
  const causes = new CausePositions();
  for (const { stream, event } of syntheticLog({ events, customers })) {
    const append: Promise<unknown> = withCausePositions(signed(event), causes)
      .then((ready) => store.appendToStream(stream, [ready]))
      .then((result) => {
        causes.stored(event.id, result.position);
        inFlight.delete(append);
      });
    inFlight.add(append);
    if (inFlight.size >= 5000) await Promise.race(inFlight);
  }
  causes.giveUp();
  await Promise.all(inFlight);
  await store.close();
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { seconds: (performance.now() - started) / 1000, result };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-verify-'));
const path = join(dir, 'events.db');
try {
  process.stdout.write(`writing ${events} events over ${customers} customers ...\n`);
  const written = await timed(() => writeLog(path));
  process.stdout.write(
    `  written in ${written.seconds.toFixed(1)} s, ${(statSync(path).size / 1e6).toFixed(0)} MB\n`,
  );
  const signingKey = parseSigningKey(generateSigningKeyBase64());
  const store = openSqliteEventStore({ path });
  const checkpoint = await timed(async () =>
    createCheckpointer({ store, key: signingKey }).checkpoint({ force: true }),
  );
  await store.close();

  const reader = openSqliteEventStore({ path, readOnly: true });
  const scan = await timed(async () => {
    let n = 0;
    for await (const page of readLogPages(reader, { pageSize: 1000 })) n += page.length;
    return n;
  });
  const evidence = {
    checkpoint: checkpoint.result!,
    earlier: [checkpoint.result!],
    publicKey: signingKey.publicKey,
  };
  const run = (withSignatures: boolean) =>
    timed(async () => {
      const problems: StoreProblem[] = [];
      const kinds = new Map<string, number>();
      const summary = await verifyStore(reader, {
        prove: withSignatures ? createSignatureProver([secret]) : undefined,
        checkpoint: evidence,
        onProblem: (problem) => {
          kinds.set(problem.kind, (kinds.get(problem.kind) ?? 0) + 1);
          if (problems.length < 1) problems.push(problem);
        },
      });
      return { summary, problems, kinds };
    });
  const skipped = await run(false);
  const full = await run(true);
  await reader.close();

  const rate = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString('en-US');
  const total = scan.result;
  const rows = [
    ['raw scan (readAll pages, baseline)', scan.seconds, 1],
    [
      'checkpoint (scan + Merkle root + sign)',
      checkpoint.seconds,
      checkpoint.seconds / scan.seconds,
    ],
    ['verify --checkpoint --skip-signatures', skipped.seconds, skipped.seconds / scan.seconds],
    ['verify --checkpoint (signatures too)', full.seconds, full.seconds / scan.seconds],
  ] as const;
  process.stdout.write(`\n${total} events, ${full.result.summary.streams} streams\n`);
  for (const [name, seconds, ratio] of rows) {
    process.stdout.write(
      `${name.padEnd(42)} ${seconds.toFixed(1).padStart(7)} s ${rate(total, seconds).padStart(12)} events/s  x${ratio.toFixed(1)} the scan\n`,
    );
  }
  // Expected: only `causation`, for synthetic snapshots whose (late) cause falls after the
  // --events cut of the generated log; any other kind means the bench log or verify is wrong.
  process.stdout.write(
    `problems: ${skipped.result.summary.problems} without signatures, ${full.result.summary.problems} with ` +
      `(${[...full.result.kinds].map(([kind, n]) => `${n} ${kind}`).join(', ') || 'none'})` +
      `${full.result.problems.length > 0 ? `; first: ${full.result.problems[0]!.message}` : ''}\n`,
  );
  process.stdout.write(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else process.stdout.write(`kept ${dir}\n`);
}
