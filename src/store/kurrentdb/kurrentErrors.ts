import { ErrorType, isCommandError } from '@kurrent/kurrentdb-client';
import { EventStoreError, StoreUnavailableError } from '../eventStore.js';

/** gRPC status codes that mean "not reachable right now, try again" rather than "wrong". */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

const TRANSIENT_TYPES = new Set<string>([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
  ErrorType.CANCELLED,
]);

/**
 * Turns whatever the client threw into a port error. Two shapes reach us: the client's
 * `CommandError`s (with a `type`), and — for a failed append — a plain gRPC error carrying only
 * `code` (14 when the server is down), so both are checked. Wrong-expected-version and
 * stream-not-found are handled where they mean something (append loop, reads) before this.
 */
export function translateError(error: unknown, action: string): EventStoreError {
  if (error instanceof EventStoreError) return error;
  if (isTransient(error)) {
    return new StoreUnavailableError(`KurrentDB is unavailable (${action})`, { cause: error });
  }
  return new EventStoreError(`KurrentDB ${action} failed`, { cause: error });
}

export function isTransient(error: unknown): boolean {
  if (error instanceof Error && isCommandError(error) && TRANSIENT_TYPES.has(error.type)) {
    return true;
  }
  if (typeof error === 'object' && error !== null && 'code' in error) {
    return error.code === GRPC_UNAVAILABLE || error.code === GRPC_DEADLINE_EXCEEDED;
  }
  return false;
}
