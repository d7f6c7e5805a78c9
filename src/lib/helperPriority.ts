/**
 * Helper threads (the decrypt and seal threads of encryption at rest) run at a lower scheduling
 * priority than the thread they help. On a machine with few cores they otherwise compete with
 * V8's garbage-collection helpers for the main thread's heap: a scavenge of the main heap is
 * done in parallel and lasts as long as its slowest part, so the main thread, the one every
 * helper exists to speed up, paused longer. Measured on the 2-vCPU bench machine (encrypted
 * 1,000,000-event rebuild, alternated runs): 18,270-18,763 events/s with the helpers at the
 * default priority, 19,632-21,488 with them at nice 10 or 19, and the main heap's scavenges took
 * 4.6-5.6 s instead of 7.0-7.4 s; an hour later, a smaller gain: 19,753 and 19,942 against
 * 20,407 and 20,778 events/s (+3-4 %), and at 200,000 events +2 % on average, within the noise.
 * A lower priority never starves a helper the main thread waits for: while it waits, the main
 * thread leaves its core to them.
 *
 * Linux only (the thread's own id comes from /proc/thread-self; setpriority on a thread id
 * affects that thread alone); elsewhere, or when refused, the thread keeps its priority.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The nice value helper threads run at (0 is the default, 19 the lowest priority). */
export const HELPER_NICE = 10;

/** The calling thread's kernel thread id, or undefined where /proc does not say it. */
export function currentThreadId(): number | undefined {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lowers the calling thread's priority to {@link HELPER_NICE} (never raises it). Returns the
 * thread's nice value afterwards, or undefined when it could not be read or set.
 */
export function lowerHelperPriority(): number | undefined {
  const thread = currentThreadId();
  if (thread === undefined) return undefined;
  try {
    if (getPriority(thread) < HELPER_NICE) setPriority(thread, HELPER_NICE);
    return getPriority(thread);
  } catch {
    return undefined;
  }
}
