/**
 * What the key store (keyStore.ts) keeps and answers: the `data_keys` table, its rows, the
 * states of a key, the answers of a lookup, and the store's errors.
 */
import { StoreUnavailableError } from '../store/eventStore.js';
import type { DataKey } from './keyCache.js';

export type { DataKey };

export type KeyState = 'active' | 'erasing' | 'destroyed';

/** What the store knows of a key id: usable, a tombstone, or nothing at all. */
export type KeyLookup =
  | { readonly state: 'active' | 'erasing'; readonly key: DataKey }
  | { readonly state: 'destroyed'; readonly destroyedAt: string }
  | { readonly state: 'missing' };

/** What a subject's new read-model values are sealed under (KeyStore.sealingKey). */
export type SealingKey =
  | { readonly kind: 'live'; readonly key: DataKey }
  | { readonly kind: 'destroyed'; readonly keyId: string };

export interface SubjectKeyInfo {
  readonly subject: string;
  readonly keyId: string;
  readonly state: KeyState;
  readonly createdAt: string;
  readonly erasingSince?: string;
  readonly destroyedAt?: string;
}

/** An append for a subject whose erasure is under way: retry after it ends (ingress: 503). */
export class SubjectErasingError extends StoreUnavailableError {
  constructor(readonly subject: string) {
    super('the customer named by this event is being erased; retry later');
    this.name = 'SubjectErasingError';
  }
}

export class KeyStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyStoreError';
  }
}

/** A row of the `data_keys` table, as SQLite returns it. */
export interface KeyRow {
  key_id: string;
  subject: string;
  state: KeyState;
  wrapped: Buffer | null;
  master_key_id: string | null;
  created_at: string;
  erasing_since: string | null;
  destroyed_at: string | null;
}

export const KEY_STORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS data_keys (
  key_id        TEXT PRIMARY KEY,
  subject       TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('active', 'erasing', 'destroyed')),
  wrapped       BLOB,
  master_key_id TEXT,
  created_at    TEXT NOT NULL,
  erasing_since TEXT,
  destroyed_at  TEXT,
  CHECK ((state = 'destroyed') = (wrapped IS NULL AND master_key_id IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS data_keys_live ON data_keys (subject) WHERE state <> 'destroyed';
CREATE INDEX IF NOT EXISTS data_keys_subject ON data_keys (subject);
`;

/** What `state` and `subjects` say of a key (never its material). */
export function keyInfo(row: KeyRow): SubjectKeyInfo {
  return {
    subject: row.subject,
    keyId: row.key_id,
    state: row.state,
    createdAt: row.created_at,
    ...(row.erasing_since === null ? {} : { erasingSince: row.erasing_since }),
    ...(row.destroyed_at === null ? {} : { destroyedAt: row.destroyed_at }),
  };
}

/** A failure to create data keys, as the store port's retryable error. */
export function wrapFailure(error: unknown): Error {
  return error instanceof Error
    ? new StoreUnavailableError(`the key store cannot create a data key: ${error.message}`, {
        cause: error,
      })
    : new StoreUnavailableError('the key store cannot create a data key');
}
