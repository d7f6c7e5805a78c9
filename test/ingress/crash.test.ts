/**
 * Kills the real service (the built CLI, `serve`) with SIGKILL in the middle of concurrent
 * signed deliveries, then reads the SQLite file it left behind: every delivery that was answered
 * 2xx must be in it exactly once, byte-exact. Needs `npm run build` first (make test does it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { WEBHOOK_EVENT_TYPES } from '../../src/events/types.js';
import { post } from '../helpers/httpServer.js';
import { readWholeLogAt } from '../helpers/ingressHarness.js';
import { listeningPort, notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

const SENDERS = 30;
/** SIGKILL once this many deliveries were acknowledged (the senders keep going meanwhile). */
const KILL_AFTER_ACKS = 300;

const fixtures = WEBHOOK_EVENT_TYPES.map((type) =>
  readFileSync(new URL(`../fixtures/webhooks/${type}.json`, import.meta.url), 'utf8'),
);

/** A fixture moved to its own customer/alert, so the load spreads over many streams. */
function bodyFor(n: number): Buffer {
  const text = fixtures[n % fixtures.length]!;
  const suffix = (n % 997).toString(16).padStart(12, '0');
  if (n % 50 === 7) return Buffer.from(`not json ${n}`);
  return Buffer.from(
    text.replaceAll('2d0f4b8e7c11', suffix).replaceAll('alrt_Zp3Xk8Rm2Qa1', `alrt_${suffix}`),
  );
}

void t.test(
  'a service killed with SIGKILL under load keeps every acknowledged delivery exactly once',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const dbPath = join(dir, 'events.db');
    const secret = generateSecret();
    const service = spawnCli(
      ['serve'],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        ...ENCRYPTION_ENV,
        EVENT_STORE_URL: `sqlite:${dbPath}`,
        READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
        COMPILOT_WEBHOOK_SECRET: secret,
        // Enrichment, if the service starts it, must not reach the internet from a test.
        COMPILOT_API_URL: 'http://127.0.0.1:9',
        LOG_LEVEL: 'info',
      },
      dir,
    );
    const { child, exited } = service;
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const port = await listeningPort(service);

    const acked = new Map<string, Buffer>();
    let next = 0;
    let cutOff = 0;
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    async function sender(): Promise<void> {
      while (!killed) {
        const n = next++;
        // Every tenth delivery re-sends an acknowledged one, as Svix retries do.
        const redelivery = n % 10 === 9 ? [...acked].at(-1) : undefined;
        const [msgId, body] = redelivery ?? [`msg_crash_${n}`, bodyFor(n)];
        const signed = signDelivery({ secret, body, msgId });
        try {
          const res = await post(port, '/webhooks/compilot', body, signed.headers);
          if (res.status >= 200 && res.status < 300) acked.set(msgId, body);
        } catch {
          // Connection refused or reset: the service is gone; not acknowledged.
          cutOff++;
        }
        if (acked.size >= KILL_AFTER_ACKS) kill();
      }
    }
    await Promise.all(Array.from({ length: SENDERS }, () => sender()));
    t.equal(await exited, 'SIGKILL', 'the service died by SIGKILL');
    t.ok(acked.size >= KILL_AFTER_ACKS, `${acked.size} deliveries were acknowledged`);

    const log = await readWholeLogAt(dbPath);
    t.comment(`${acked.size} acknowledged, ${cutOff} cut off, ${log.length} events in the file`);
    const counts = new Map<string, number>();
    for (const event of log) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
    // By svix id, not by derived event id: a quarantine entry's id is derived differently, so
    // that a later replay can take the delivery's own id.
    const bySvixId = new Map(log.map((event) => [event.metadata.svixId, event]));
    const lost = [...acked.keys()].filter((msgId) => !bySvixId.has(msgId));
    const twice = [...counts].filter(([, count]) => count > 1);
    const altered = [...acked].filter(
      ([msgId, body]) => bySvixId.get(msgId)?.data.equals(body) === false,
    );
    t.same(lost, [], 'no acknowledged delivery is missing');
    t.same(twice, [], 'no event is stored twice');
    t.same(altered, [], 'every acknowledged delivery is stored byte-exact');
    t.ok(log.length >= acked.size, `${log.length} events stored for ${acked.size} acks`);
  },
);
