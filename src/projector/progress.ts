/**
 * Rebuild progress: a bar redrawn in place on a terminal (events done, events/s, ETA), plain
 * log lines every few seconds otherwise (CI, files, journald).
 */
import type { Logger } from '../lib/logger.js';

export interface Progress {
  /** `done` events read so far out of `total` (undefined when the log cannot say). */
  update(done: number, total: number | undefined): void;
  finish(): void;
}

export interface ProgressOptions {
  readonly label: string;
  /** A terminal gets the bar; anything else gets log lines. */
  readonly output?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly logger?: Logger;
  /** @defaultValue 5000 */
  readonly logIntervalMs?: number;
  readonly now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const output = options.output;
  const tty = output?.isTTY === true;
  const interval = tty ? 200 : (options.logIntervalMs ?? 5000);
  let last = -Infinity;
  let latest = { done: 0, total: undefined as number | undefined };

  const render = (final: boolean): void => {
    const elapsed = Math.max((now() - started) / 1000, 1e-9);
    const rate = latest.done / elapsed;
    const { done, total } = latest;
    const remaining = total === undefined ? undefined : Math.max(total - done, 0);
    const eta = remaining === undefined || rate === 0 ? undefined : remaining / rate;
    if (tty && output !== undefined) {
      const width = 30;
      const fraction = total ? Math.min(done / total, 1) : final ? 1 : 0;
      const filled = Math.round(fraction * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const of = total === undefined ? '' : `/${format(total)}`;
      const etaText = final
        ? `${elapsed.toFixed(1)}s`
        : `ETA ${eta === undefined ? '?' : `${eta.toFixed(0)}s`}`;
      output.write(
        `\r${options.label} [${bar}] ${format(done)}${of} events  ${format(rate)} ev/s  ${etaText}\u001b[K${final ? '\n' : ''}`,
      );
    } else {
      options.logger?.info(
        {
          eventsDone: done,
          eventsTotal: total,
          eventsPerSecond: Math.round(rate),
          etaSeconds: eta === undefined ? undefined : Math.round(eta),
        },
        `${options.label}: ${final ? 'done' : 'progress'}`,
      );
    }
  };

  return {
    update(done, total) {
      latest = { done, total };
      if (now() - last >= interval) {
        last = now();
        render(false);
      }
    },
    finish() {
      render(true);
    },
  };
}

function format(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/**
 * How many events lie between two positions, when positions are plain sequence numbers (the
 * embedded store's are). Other stores' positions are opaque: undefined, and no ETA is shown.
 */
export function eventsBetween(
  from: string | undefined,
  to: string | undefined,
): number | undefined {
  if (to === undefined) return 0;
  if (!/^\d{1,20}$/.test(to) || (from !== undefined && !/^\d{1,20}$/.test(from))) return undefined;
  const gap = Number(to) - Number(from ?? '0');
  return Number.isSafeInteger(gap) && gap >= 0 ? gap : undefined;
}
