import t from 'tap';
import { createRateLimiter, type RateLimit } from '../../src/compilot/rateLimiter.js';

/** Runs `count` tasks through the limiter; each holds its slot for `holdMs`. */
async function runThrough(
  limits: readonly RateLimit[],
  maxConcurrency: number,
  count: number,
  holdMs: number,
) {
  const limiter = createRateLimiter({ limits, maxConcurrency });
  const spans: { start: number; end: number }[] = [];
  let peak = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const release = await limiter.acquire();
      const start = performance.now();
      peak = Math.max(peak, limiter.inFlight);
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      spans.push({ start, end: performance.now() });
      release();
    }),
  );
  return { spans, peak, limiter };
}

void t.test('every limit holds in every window at once', async (t) => {
  const limits = [
    { count: 3, windowMs: 200 },
    { count: 5, windowMs: 1000 },
  ];
  const { spans } = await runThrough(limits, 10, 12, 5);
  const starts = spans.map((span) => span.start).sort((a, b) => a - b);
  t.equal(starts.length, 12);
  for (const { count, windowMs } of limits) {
    for (let i = 0; i + count < starts.length; i += 1) {
      t.ok(starts[i + count]! - starts[i]! >= windowMs, `${count}/${windowMs}ms from start ${i}`);
    }
  }
});

void t.test(
  'a token comes back one window after its request finished, not after it began',
  async (t) => {
    const { spans } = await runThrough([{ count: 2, windowMs: 100 }], 10, 4, 150);
    const sorted = [...spans].sort((a, b) => a.start - b.start);
    t.ok(sorted[2]!.start - sorted[0]!.end >= 100, 'third start waits for the first end + window');
  },
);

void t.test('no more than maxConcurrency run at once', async (t) => {
  const { peak, limiter } = await runThrough([{ count: 1000, windowMs: 1000 }], 3, 12, 20);
  t.equal(peak, 3);
  t.equal(limiter.inFlight, 0);
  t.equal(limiter.waiting, 0);
});

void t.test('an aborted wait rejects with the signal reason and frees its place', async (t) => {
  const limiter = createRateLimiter({
    limits: [{ count: 1, windowMs: 60_000 }],
    maxConcurrency: 1,
  });
  const release = await limiter.acquire();
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal);
  t.equal(limiter.waiting, 1);
  controller.abort(new Error('stop'));
  await t.rejects(waiting, { message: 'stop' });
  t.equal(limiter.waiting, 0);
  release();
  t.equal(limiter.inFlight, 0);
});

void t.test('nonsensical limits are refused', (t) => {
  t.throws(() => createRateLimiter({ limits: [{ count: 0, windowMs: 1000 }], maxConcurrency: 1 }));
  t.throws(() => createRateLimiter({ limits: [{ count: 1, windowMs: 1000 }], maxConcurrency: 0 }));
  t.end();
});
