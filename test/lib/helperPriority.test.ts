import { getPriority } from 'node:os';
import t from 'tap';
import { currentThreadId, HELPER_NICE } from '../../src/lib/helperPriority.js';
import { startWorker } from '../../src/lib/startWorker.js';

const skip = process.platform !== 'linux' && 'Linux only';

interface Answer {
  readonly nice: number | undefined;
  readonly thread: number | undefined;
}

/** Runs lowerHelperPriority in a fresh thread (first set to `preset`, if given). */
async function inThread(preset?: number): Promise<Answer> {
  // Started as the service starts its helper threads (from source here, through tsx).
  const worker = startWorker(
    new URL('../helpers/helperPriorityThread.js', import.meta.url),
    import.meta.url,
    preset,
  );
  const answer = await new Promise<Answer>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  return answer;
}

void t.test('the thread id of the main thread is the process id', { skip }, async (t) => {
  t.equal(currentThreadId(), process.pid);
});

void t.test(
  'a helper thread drops to the helper priority; the main thread keeps its own',
  { skip },
  async (t) => {
    const before = getPriority(process.pid);
    const { nice, thread } = await inThread();
    t.equal(nice, Math.max(HELPER_NICE, before), 'the helper thread runs at the helper nice value');
    t.not(thread, process.pid, 'the helper is a thread of its own');
    t.equal(getPriority(process.pid), before, 'the main thread is unchanged');
  },
);

void t.test('a helper already below the helper priority is never raised', { skip }, async (t) => {
  const { nice } = await inThread(HELPER_NICE + 5);
  t.equal(nice, HELPER_NICE + 5);
});
