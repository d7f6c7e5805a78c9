import { randomUUID } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { openSqliteEventStore } from '../../src/store/sqliteEventStore.js';

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

// These run in the test process, whose umask is not the CLI's 077: the modes come from the
// explicit ones set where the files are created, not from the umask.
void t.test(
  'the event store and the read model are created 600 in new 700 directories',
  async (t) => {
    const root = t.testdir({});
    process.umask(0o022);
    const data = join(root, 'data', 'nested');
    const storePath = join(data, 'events.db');
    const store = openSqliteEventStore({ path: storePath });
    t.teardown(() => store.close());
    await store.appendToStream('customer-1', [
      { id: randomUUID(), type: 'customer.updated', data: Buffer.from('{}'), metadata: {} },
    ]);
    const readModelPath = join(data, 'readmodel.db');
    const readModel = openReadModel(readModelPath);
    t.teardown(() => readModel.close());
    readModel.exec('CREATE TABLE IF NOT EXISTS probe (x); INSERT INTO probe VALUES (1)');

    t.equal(mode(join(root, 'data')), '700', 'the data directory');
    t.equal(mode(data), '700', 'every directory created on the way');
    for (const file of [storePath, readModelPath]) {
      for (const suffix of ['', '-wal', '-shm']) {
        t.ok(existsSync(file + suffix), `${file.slice(root.length)}${suffix} exists`);
        t.equal(mode(file + suffix), '600', `${file.slice(root.length)}${suffix}`);
      }
    }
  },
);

void t.test('an existing database file keeps the mode its owner gave it', async (t) => {
  const root = t.testdir({});
  const path = join(root, 'events.db');
  writeFileSync(path, '', { mode: 0o640 });
  const store = openSqliteEventStore({ path });
  await store.close();
  t.equal(mode(path), '640');
});
