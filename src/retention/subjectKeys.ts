/**
 * What erasure needs from the key store (src/privacy/): one data key per customer (the data
 * subject), with the states of crypto-shredding. The erasure protocol (erasure.ts) is written
 * against this port only, so it does not depend on how keys are stored or wrapped.
 *
 * - `active`: the customer's events are encrypted and readable.
 * - `erasing`: an erasure has begun; events are still readable (the record is being written).
 * - `destroyed`: the key is gone for good; the customer's events read as erased.
 * - `absent`: no key was ever made for this customer (nothing of it is encrypted).
 */
export type SubjectKeyState = 'active' | 'erasing' | 'destroyed' | 'absent';

export interface SubjectKeys {
  state(subject: string): Promise<SubjectKeyState>;
  /** active -> erasing (erasing stays erasing). */
  beginErasure(subject: string): Promise<void>;
  /** erasing -> destroyed: the key material is overwritten; only a tombstone remains. */
  destroy(subject: string): Promise<void>;
  /** erasing -> active, when an erasure stopped before its record was written. */
  abortErasure(subject: string): Promise<void>;
  /** Subjects left in `erasing` (by a crash): recovery finishes or aborts them. */
  erasing(): Promise<readonly string[]>;
}
