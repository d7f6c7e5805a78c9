/**
 * Serialises appends to the same stream within this process. Not needed for correctness (the
 * exact-revision append already rejects a racing writer), but without it two concurrent
 * deliveries of one event would both see "absent", both append, and the server's idempotent
 * confirmation of the second would be indistinguishable from a write: both would report
 * `duplicate: false`. In turn, each waits for the other's result and reports honestly.
 */
export interface StreamLocks {
  run<T>(streamName: string, task: () => Promise<T>): Promise<T>;
}

export function createStreamLocks(): StreamLocks {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(streamName, task) {
      const previous = tails.get(streamName) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.catch(() => undefined);
      tails.set(streamName, tail);
      void tail.then(() => {
        if (tails.get(streamName) === tail) tails.delete(streamName);
      });
      return result;
    },
  };
}
