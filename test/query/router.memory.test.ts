/**
 * The memory the query API needs to answer over large deliveries, measured in a real second
 * process (its peak resident set from /proc), not guessed from the test process: with 40
 * deliveries of ~1 MB stored, paging the trail and the feed at limit=1000, folding the stream
 * for asOf/knownAt and fetching every raw body must not lift the server's peak by anything like
 * the 40 MB the stream holds (before the byte caps one trail request built a 40 MB answer).
 *
 * The server runs with a 48 MiB heap, which is itself a bound V8 enforces (one unbounded 40 MB
 * answer does not fit in it), and which keeps large garbage strings from piling up before a
 * major collection, so the peak measures what an answer holds rather than the collector's mood.
 * With a 96 MiB heap the growth was 28 to 78 MiB over runs (97 MiB before the caps, and 322 MiB
 * without a heap limit); with 48 MiB, 22 to 40 MiB.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { PAGE_MAX_BYTES } from '../../src/lib/jsonPageBudget.js';
import type { AuditTrailPage } from '../../src/audit/auditTrail.js';
import type { FeedPage } from '../../src/audit/globalFeed.js';
import { CUSTOMER_ID, fixtureBody, startAuditHarness } from '../helpers/auditHarness.js';
import { send } from '../helpers/httpServer.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/queryServer.ts', import.meta.url));

/** Several pages' worth, with room above the 22-40 MiB measured for the spread of GC timing. */
const PEAK_GROWTH_BOUND = 72 * 1024 * 1024;

/** A /proc/<pid>/status field in bytes (VmHWM = peak resident set, VmRSS = now). */
function procBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

void t.test(
  'answering over 40 MB of deliveries keeps the server process within a memory bound',
  { skip: process.platform === 'linux' ? false : 'reads /proc' },
  async (t) => {
    const dir = t.testdir();
    const h = await startAuditHarness(dir);
    const token = h.token;
    const bodies: string[] = [];
    for (let i = 0; i < 40; i++) {
      const base = fixtureBody('send.scenario', { executionId: `exec-${i}`, padding: '' });
      const body = JSON.stringify({
        ...base,
        payload: {
          ...(base.payload as object),
          padding: 'x'.repeat(1_000_000 - JSON.stringify(base).length),
        },
      });
      t.equal((await h.deliver(body)).status, 200);
      bodies.push(body);
    }
    await h.caughtUp();
    await h.close();

    const child = spawn(
      process.execPath,
      ['--max-old-space-size=48', '--import', 'tsx', script, h.dbPath, h.readModelPath, token],
      {
        cwd: projectRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    t.teardown(() => {
      child.kill('SIGKILL');
    });
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const match = /^listening (\d+)$/.exec(line);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`query server exited ${String(code)}`)));
    });
    const get = async (path: string) => {
      const res = await send(port, path, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      return res;
    };
    const trail = `/customers/${CUSTOMER_ID}/events`;
    // Warm up every route once so code loading and caches are not counted as answers' memory.
    await get(`${trail}?limit=1`);
    await get('/events?limit=1');
    await get(`/customers/${CUSTOMER_ID}`);
    const pid = child.pid!;
    const before = procBytes(pid, 'VmHWM');

    let largest = 0;
    let rawBytes = 0;
    let cursor: string | null = null;
    const revisions: number[] = [];
    do {
      const res = await get(`${trail}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      largest = Math.max(largest, res.body.length);
      const page = res.json<AuditTrailPage>();
      for (const event of page.events) {
        revisions.push(event.revision);
        const raw = await get(event.rawUrl);
        if (!raw.body.equals(Buffer.from(bodies[event.revision]!))) {
          throw new Error(`revision ${event.revision}: raw bytes differ`);
        }
        rawBytes += raw.body.length;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    let after: string | null = null;
    let caughtUp = false;
    while (!caughtUp) {
      const res = await get(`/events?limit=1000${after ? `&after=${after}` : ''}`);
      largest = Math.max(largest, res.body.length);
      ({ nextAfter: after, caughtUp } = res.json<FeedPage>());
    }
    await get(`/customers/${CUSTOMER_ID}?asOf=2100-01-01`);
    await get(`/customers/${CUSTOMER_ID}?knownAt=2100-01-01T00:00:00Z`);

    const growth = procBytes(pid, 'VmHWM') - before;
    t.same(
      revisions,
      bodies.map((_, i) => i),
      'every event once',
    );
    t.equal(
      rawBytes,
      bodies.reduce((sum, body) => sum + body.length, 0),
      'every body fetched',
    );
    t.ok(largest <= PAGE_MAX_BYTES, `the largest JSON answer was ${largest} bytes`);
    t.comment(
      `largest JSON answer ${largest} bytes; server peak RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB ` +
        `(from ${(before / 2 ** 20).toFixed(1)} MiB)`,
    );
    t.ok(
      growth < PEAK_GROWTH_BOUND,
      `peak RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB (bound ${PEAK_GROWTH_BOUND / 2 ** 20} MiB)`,
    );
  },
);
