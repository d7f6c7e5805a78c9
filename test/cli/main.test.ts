import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { send } from '../helpers/httpServer.js';
import { listeningPort, notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';
import { waitFor } from '../helpers/simulatorHarness.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

void t.test(
  'serve creates its data directory 700 and every store file 600, -wal and -shm included',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir({});
    const data = join(dir, 'data');
    const secret = generateSecret();
    const service = spawnCli(
      ['serve'],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        COMPILOT_WEBHOOK_SECRET: secret,
        ...ENCRYPTION_ENV,
        EVENT_STORE_URL: `sqlite:${join(data, 'events.db')}`,
        READ_MODEL_URL: `sqlite:${join(data, 'readmodel.db')}`,
      },
      dir,
    );
    t.teardown(() => {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    });
    const port = await listeningPort(service);
    const body = JSON.stringify({
      eventType: 'customer.created',
      payload: {
        cmsProjectId: 'p',
        customerId: '3f6c1a2e-8b7d-4c1e-9a55-2d0f4b8e7c11',
        createdBy: 'system',
        updatedBy: 'system',
        id: 'wh_1',
        createdAt: '2026-12-04T10:00:00.000Z',
      },
    });
    t.equal((await send(port, '/webhooks/compilot', signDelivery({ secret, body }))).status, 200);

    const files = ['events.db', 'readmodel.db'].flatMap((name) =>
      ['', '-wal', '-shm'].map((suffix) => join(data, name + suffix)),
    );
    await waitFor(() => files.every((file) => existsSync(file)), 'the store files');
    t.equal(mode(data), '700', 'data directory');
    for (const file of files) t.equal(mode(file), '600', file.slice(dir.length));
    service.child.kill('SIGKILL');
    await service.exited;
  },
);
