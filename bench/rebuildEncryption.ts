/**
 * bench:rebuild's encryption section (issue 15: rebuild with encryption within 15 % of the same
 * rebuild without): the same deterministic synthetic log written a second time encrypted at
 * rest (events sealed under per-customer data keys, a key store beside it); then full
 * one-thread rebuilds, alternated: the plaintext log into a plaintext read model, and the
 * encrypted log read through the decrypting decorator into a sealed read model
 * (src/readmodel/sealedColumns.ts). Each runs `rounds` times, alternating, with stores opened
 * anew each round; the best of each is compared, so load that comes and goes on a shared
 * machine hits both alike, and so is each pair of rounds, with their median (how often the
 * target holds). CPU seconds per event are reported too (the cost apart from other processes).
 */
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { projections } from '../projections/index.js';
import { createLogger } from '../src/lib/logger.js';
import { EncryptingEventStore } from '../src/privacy/encryptingEventStore.js';
import { openKeyStore } from '../src/privacy/keyStore.js';
import { parseMasterKey } from '../src/privacy/masterKey.js';
import { sealReadModelFor } from '../src/projector/readModelSealing.js';
import { rebuildProjections } from '../src/projector/rebuildProjections.js';
import { openReadModel } from '../src/readmodel/readModelStore.js';
import type { EventStore } from '../src/store/eventStore.js';
import { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { median } from './median.js';
import { removeDatabase } from './sqliteFiles.js';
import { writeSyntheticLog } from './writeLog.js';
import { discardLog, isKeptLog, markKept } from './keptLogs.js';

/** A fixed benchmark master key (the data keys under it are random). Never a real secret. */
const BENCH_MASTER_KEY = Buffer.alloc(32, 0x5a).toString('base64');

export interface EncryptionCost {
  readonly events: number;
  /** Wall seconds of each round, plaintext and encrypted. */
  readonly plainSeconds: readonly number[];
  readonly encryptedSeconds: readonly number[];
  /** CPU of the whole process: the decrypt and seal threads included. */
  readonly plainCpuSeconds: readonly number[];
  readonly encryptedCpuSeconds: readonly number[];
  /** CPU of the main thread alone (Linux; empty elsewhere): the rebuild's critical path. */
  readonly plainMainCpuSeconds: readonly number[];
  readonly encryptedMainCpuSeconds: readonly number[];
  /** Seconds in the write at the head (RebuildResult.finalWriteSeconds) of each round. */
  readonly plainFinalWriteSeconds: readonly number[];
  readonly encryptedFinalWriteSeconds: readonly number[];
}

/** CPU seconds of this process's main thread, from /proc (Linux), or undefined. */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name's closing parenthesis start at field 3; utime and stime
    // are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function encryptedDir(path: string): string {
  return join(path, 'encrypted');
}

export function openEncrypted(path: string, readOnly: boolean): EncryptingEventStore {
  return new EncryptingEventStore(
    openSqliteEventStore({ path: join(encryptedDir(path), 'events.db') }),
    openKeyStore({
      path: join(encryptedDir(path), 'keys.db'),
      master: parseMasterKey(BENCH_MASTER_KEY),
      readOnly,
    }),
  );
}

/** Writes the encrypted copy of the log of `path` unless a kept one is there (--logs). */
export async function writeEncryptedLog(
  path: string,
  events: number,
  customers: number,
): Promise<boolean> {
  const dir = encryptedDir(path);
  if (isKeptLog(dir, { events, customers })) return false;
  mkdirSync(dir, { recursive: true });
  discardLog(dir);
  const keys = openKeyStore({
    path: join(dir, 'keys.db'),
    master: parseMasterKey(BENCH_MASTER_KEY),
  });
  await writeSyntheticLog(
    join(dir, 'events.db'),
    events,
    customers,
    (store) => new EncryptingEventStore(store, keys),
  );
  keys.close();
  markKept(dir, { events, customers });
  return true;
}

export async function rebuildOnce(
  store: EventStore,
  readModelPath: string,
  seal: boolean,
  pageSize: number,
  memoryBudgetMb: number,
): Promise<{
  events: number;
  seconds: number;
  cpu: number;
  mainCpu: number | undefined;
  finalWriteSeconds: number;
}> {
  removeDatabase(readModelPath);
  const db = openReadModel(readModelPath);
  try {
    if (
      seal &&
      !sealReadModelFor(db, store, { mode: 'on', masterKey: BENCH_MASTER_KEY, keyStorePath: '' })
    ) {
      throw new Error('the encrypted rebuild would not seal');
    }
    const started = performance.now();
    const cpu = process.cpuUsage();
    const mainCpu = mainThreadCpuSeconds();
    const result = await rebuildProjections(projections, {
      store,
      db,
      logger: createLogger('silent'),
      batchSize: pageSize,
      memoryBudgetMb,
    });
    const used = process.cpuUsage(cpu);
    if (result.results.some((r) => r.outcome !== 'switched')) {
      throw new Error(`rebuild did not finish: ${JSON.stringify(result.results)}`);
    }
    return {
      events: result.eventsRead,
      seconds: (performance.now() - started) / 1000,
      cpu: (used.user + used.system) / 1e6,
      mainCpu: mainCpu === undefined ? undefined : mainThreadCpuSeconds()! - mainCpu,
      finalWriteSeconds: result.finalWriteSeconds,
    };
  } finally {
    db.close();
  }
}

export async function measureEncryptionCost(
  path: string,
  pageSize: number,
  memoryBudgetMb: number,
  rounds: number,
): Promise<EncryptionCost> {
  const cost = {
    events: 0,
    plainSeconds: [] as number[],
    encryptedSeconds: [] as number[],
    plainCpuSeconds: [] as number[],
    encryptedCpuSeconds: [] as number[],
    plainMainCpuSeconds: [] as number[],
    encryptedMainCpuSeconds: [] as number[],
    plainFinalWriteSeconds: [] as number[],
    encryptedFinalWriteSeconds: [] as number[],
  };
  // Each round opens the stores anew, as a `rebuild` command does: an encrypted round starts
  // with an empty key cache and no decrypt thread (a shared store kept them warm after round 1).
  const once = async (
    open: () => EventStore,
    readModel: string,
    seal: boolean,
  ): Promise<Awaited<ReturnType<typeof rebuildOnce>>> => {
    const store = open();
    try {
      return await rebuildOnce(store, join(path, readModel), seal, pageSize, memoryBudgetMb);
    } finally {
      await store.close();
    }
  };
  for (let round = 0; round < rounds; round++) {
    const p = await once(
      () => openSqliteEventStore({ path: join(path, 'events.db') }),
      'readmodel-plain.db',
      false,
    );
    const e = await once(() => openEncrypted(path, true), 'readmodel-sealed.db', true);
    if (p.events !== e.events) {
      throw new Error(`the logs differ: ${p.events} plaintext events, ${e.events} encrypted`);
    }
    cost.events = p.events;
    cost.plainSeconds.push(p.seconds);
    cost.encryptedSeconds.push(e.seconds);
    cost.plainCpuSeconds.push(p.cpu);
    cost.encryptedCpuSeconds.push(e.cpu);
    cost.plainFinalWriteSeconds.push(p.finalWriteSeconds);
    cost.encryptedFinalWriteSeconds.push(e.finalWriteSeconds);
    if (p.mainCpu !== undefined && e.mainCpu !== undefined) {
      cost.plainMainCpuSeconds.push(p.mainCpu);
      cost.encryptedMainCpuSeconds.push(e.mainCpu);
    }
  }
  return cost;
}

export function reportEncryptionCost(cost: EncryptionCost): void {
  const best = (xs: readonly number[]): number => Math.min(...xs);
  const rate = (seconds: number): string =>
    `${Math.round(cost.events / seconds).toLocaleString('en-US')} events/s`;
  const us = (cpu: number): string => `${((cpu / cost.events) * 1e6).toFixed(1)} us CPU/event`;
  const plain = best(cost.plainSeconds);
  const encrypted = best(cost.encryptedSeconds);
  const cpuRatio = best(cost.encryptedCpuSeconds) / best(cost.plainCpuSeconds);
  console.log(
    `  encryption at rest, one-thread rebuild, best of ${cost.plainSeconds.length} alternated rounds:`,
  );
  console.log(
    `    plaintext log -> plaintext read model: ${rate(plain)} (${plain.toFixed(1)} s, ${us(best(cost.plainCpuSeconds))})`,
  );
  console.log(
    `    encrypted log (decrypted per event) -> sealed read model: ${rate(encrypted)} (${encrypted.toFixed(1)} s, ${us(best(cost.encryptedCpuSeconds))})`,
  );
  if (cost.plainMainCpuSeconds.length > 0) {
    const mainRatio = best(cost.encryptedMainCpuSeconds) / best(cost.plainMainCpuSeconds);
    console.log(
      `    main thread (the decrypt and seal threads work beside it): plaintext ${us(best(cost.plainMainCpuSeconds))}, encrypted ${us(best(cost.encryptedMainCpuSeconds))}, x${mainRatio.toFixed(3)}`,
    );
  }
  // The write at the head seals every document still staged: a part of the gap that comes with
  // each customer's documents rather than with each event.
  console.log(
    `    write at the head (every staged document written, and sealed when encrypted): plaintext ${best(cost.plainFinalWriteSeconds).toFixed(1)} s, encrypted ${best(cost.encryptedFinalWriteSeconds).toFixed(1)} s (best of each)`,
  );
  // The target is on the rate (issue 15: within 15 %, a ratio of 0.85 or more), so the shortfall
  // is the rate's; the same ratio read as time (x1.176 at 0.85) would look like a miss at 0.86.
  const rateRatio = plain / encrypted;
  console.log(
    `    with / without encryption: rate ${rateRatio.toFixed(3)} (rate ${((1 - rateRatio) * 100).toFixed(1)} % lower; target <= 15 %, a ratio of 0.85 or more), CPU x${cpuRatio.toFixed(3)}; ` +
      `rounds (s) plaintext ${cost.plainSeconds.map((s) => s.toFixed(1)).join(' / ')}, encrypted ${cost.encryptedSeconds.map((s) => s.toFixed(1)).join(' / ')}`,
  );
  // Best of each hides the slow rounds; the pairs (one plaintext round, then one encrypted) and
  // their median say how often the target holds.
  const pairs = cost.plainSeconds.map((p, i) => p / cost.encryptedSeconds[i]!);
  console.log(
    `    pair by pair (rate with / without): ${pairs.map((r) => r.toFixed(3)).join(' / ')}; median ${median(pairs).toFixed(3)}`,
  );
}
