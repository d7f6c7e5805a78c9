import t from 'tap';
import { HelperThread } from '../../src/lib/helperThread.js';

const ENTRY = new URL('../helpers/doublingThread.js', import.meta.url);

interface Reply {
  readonly seq: number;
  readonly value: number;
}

void t.test('each job gets the reply naming its sequence number', async (t) => {
  const thread = new HelperThread<Reply>(ENTRY, import.meta.url);
  t.teardown(() => thread.close());
  const replies = await Promise.all(
    [1, 2, 3].map((value) => thread.ask((seq) => ({ seq, value }), [])),
  );
  t.same(
    replies.map((reply) => reply?.value),
    [2, 4, 6],
  );
  t.notOk(thread.failed);
});

void t.test('a thread that dies answers its jobs undefined, and every later one', async (t) => {
  const thread = new HelperThread<Reply>(ENTRY, import.meta.url);
  t.teardown(() => thread.close());
  t.equal((await thread.ask((seq) => ({ seq, value: 5 }), []))?.value, 10, 'it ran');
  t.equal(await thread.ask((seq) => ({ seq, value: 1, exit: true }), []), undefined);
  t.ok(thread.failed, 'the caller does the work itself from now on');
  t.equal(await thread.ask((seq) => ({ seq, value: 2 }), []), undefined);
});

void t.test('a closed thread answers undefined', async (t) => {
  const thread = new HelperThread<Reply>(ENTRY, import.meta.url);
  await thread.ask((seq) => ({ seq, value: 1 }), []);
  await thread.close();
  t.equal(await thread.ask((seq) => ({ seq, value: 1 }), []), undefined);
});
