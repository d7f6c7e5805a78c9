/**
 * Messages between the store (main thread) and its writer thread. Port errors cross as plain
 * data (structured clone keeps neither their class nor an Error's `cause`) and are rebuilt on
 * the other side, so callers see the same error classes as with the in-thread writer.
 */
import Database from 'better-sqlite3';
import {
  EventIdInOtherStreamError,
  EventStoreError,
  IdempotencyConflictError,
  InvalidAppendError,
  StoreUnavailableError,
  StreamRevisionConflictError,
  type AppendResult,
  type ExpectedState,
} from '../eventStore.js';
import type { AppendRequest } from './applyAppend.js';
import type { Outcome } from './batchTransaction.js';

/** What the writer thread is started with (`workerData`). */
export interface WriterThreadData {
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly maxBatchSize: number;
  /** False only in benchmarks (see SqliteEventStoreOptions.chain). */
  readonly chain: boolean;
}

export type ToWriter =
  | { readonly type: 'append'; readonly recordedAt: string; readonly requests: AppendRequest[] }
  | { readonly type: 'check' }
  | { readonly type: 'close' };

export type FromWriter =
  | { readonly type: 'committed'; readonly outcomes: WireOutcome[]; readonly durationMs: number }
  | { readonly type: 'failed'; readonly count: number; readonly error: WireError }
  | { readonly type: 'checked'; readonly error?: WireError }
  | { readonly type: 'log'; readonly message: string; readonly code?: string }
  /** The writer cannot work at all (e.g. its connection did not open). */
  | { readonly type: 'fatal'; readonly error: WireError }
  | { readonly type: 'closed' };

export type WireOutcome =
  | { readonly ok: true; readonly result: AppendResult; readonly written: number }
  | { readonly ok: false; readonly error: WireError };

interface WireCause {
  readonly message: string;
  readonly code?: string;
}

export type WireError =
  | {
      readonly kind: 'stream-revision-conflict';
      readonly streamName: string;
      readonly expected: ExpectedState;
      readonly actual: bigint | 'no_stream';
    }
  | {
      readonly kind: 'idempotency-conflict';
      readonly streamName: string;
      readonly existingIds: readonly string[];
    }
  | {
      readonly kind: 'event-id-in-other-stream';
      readonly streamName: string;
      readonly eventId: string;
      readonly existingStream: string;
    }
  | { readonly kind: 'invalid-append'; readonly message: string }
  | { readonly kind: 'store-unavailable'; readonly message: string; readonly cause?: WireCause }
  | { readonly kind: 'event-store'; readonly message: string };

export function toWireError(error: EventStoreError): WireError {
  if (error instanceof StreamRevisionConflictError) {
    const { streamName, expected, actual } = error;
    return { kind: 'stream-revision-conflict', streamName, expected, actual };
  }
  if (error instanceof IdempotencyConflictError) {
    const { streamName, existingIds } = error;
    return { kind: 'idempotency-conflict', streamName, existingIds };
  }
  if (error instanceof EventIdInOtherStreamError) {
    const { streamName, eventId, existingStream } = error;
    return { kind: 'event-id-in-other-stream', streamName, eventId, existingStream };
  }
  if (error instanceof InvalidAppendError)
    return { kind: 'invalid-append', message: error.message };
  if (error instanceof StoreUnavailableError) {
    const cause = error.cause;
    return {
      kind: 'store-unavailable',
      message: error.message,
      ...(cause instanceof Error ? { cause: toWireCause(cause) } : {}),
    };
  }
  return { kind: 'event-store', message: error.message };
}

function toWireCause(cause: Error): WireCause {
  const code = cause instanceof Database.SqliteError ? cause.code : undefined;
  return code === undefined ? { message: cause.message } : { message: cause.message, code };
}

export function fromWireError(wire: WireError): EventStoreError {
  switch (wire.kind) {
    case 'stream-revision-conflict':
      return new StreamRevisionConflictError(wire.streamName, wire.expected, wire.actual);
    case 'idempotency-conflict':
      return new IdempotencyConflictError(wire.streamName, wire.existingIds);
    case 'event-id-in-other-stream':
      return new EventIdInOtherStreamError(wire.streamName, wire.eventId, wire.existingStream);
    case 'invalid-append':
      return new InvalidAppendError(wire.message);
    case 'store-unavailable':
      return new StoreUnavailableError(wire.message, { cause: fromWireCause(wire.cause) });
    case 'event-store':
      return new EventStoreError(wire.message);
  }
}

/** SQLite's errors are rebuilt as SqliteError, so their code still shows in logs. */
function fromWireCause(cause: WireCause | undefined): Error | undefined {
  if (cause === undefined) return undefined;
  return cause.code === undefined
    ? new Error(cause.message)
    : new Database.SqliteError(cause.message, cause.code);
}

export function toWireOutcome(outcome: Outcome): WireOutcome {
  return outcome.ok ? outcome : { ok: false, error: toWireError(outcome.error) };
}

export function fromWireOutcome(outcome: WireOutcome): Outcome {
  return outcome.ok ? outcome : { ok: false, error: fromWireError(outcome.error) };
}
