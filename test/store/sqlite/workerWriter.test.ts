/**
 * What only the writer thread (the store's default writer) can get wrong: its life cycle. The
 * group-commit semantics it shares with the in-thread writer run for both in
 * test/store/sqliteEventStore.test.ts.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { StoreUnavailableError, type NewEvent } from '../../../src/store/eventStore.js';
import { openSqliteEventStore } from '../../../src/store/sqliteEventStore.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const unclosedStore = fileURLToPath(new URL('./fixtures/unclosedStore.ts', import.meta.url));

function event(): NewEvent {
  return { id: randomUUID(), type: 'test.event', data: Buffer.from('{}'), metadata: {} };
}

void t.test(
  'a writer thread that cannot open the file fails appends as unavailable; the next append starts a new one',
  async (t) => {
    const dir = t.testdir();
    const path = join(dir, 'events.db');
    const store = openSqliteEventStore({ path });
    t.teardown(() => store.close());
    // The thread starts on the first write and opens the file by name: make the name vanish.
    renameSync(path, join(dir, 'moved.db'));
    const refused = await Promise.allSettled([
      store.appendToStream('s', [event()]),
      store.appendToStream('t', [event()]),
    ]);
    for (const outcome of refused) {
      t.ok(
        outcome.status === 'rejected' && outcome.reason instanceof StoreUnavailableError,
        'the append is refused as store-unavailable',
      );
    }
    t.match(
      String((refused[0] as PromiseRejectedResult).reason),
      /cannot open the event store/,
      'saying why',
    );
    await t.rejects(store.checkWritable(), StoreUnavailableError, 'not writable meanwhile');

    renameSync(join(dir, 'moved.db'), path);
    await t.resolves(store.checkWritable(), 'writable again once the file is back');
    const next = await store.appendToStream('s', [event()], { expected: 'no_stream' });
    t.equal(next.nextExpectedRevision, 0n, 'the refused appends left no trace');
    t.equal((await store.readAll()).length, 1, 'the log holds the one append that succeeded');
  },
);

void t.test(
  'an append in flight keeps the process alive until it commits; an idle store does not',
  async (t) => {
    const path = join(t.testdir(), 'events.db');
    const child = spawn(process.execPath, ['--import', 'tsx', unclosedStore, path], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.teardown(() => void (child.exitCode === null && child.kill()));
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    // A writer thread that held the process open would hang here (the tap timeout fails it).
    const [code] = (await once(child, 'close')) as [number | null];
    t.equal(code, 0, 'the process exited on its own, without close()');
    t.match(output, /^ack \d{20}\n$/, 'after its append was acknowledged');

    const store = openSqliteEventStore({ path });
    t.teardown(() => store.close());
    t.equal((await store.readStream('unclosed')).length, 1, 'and the append is on disk');
  },
);
