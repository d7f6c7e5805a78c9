/**
 * The SubjectKeys port over the key store of encryption at rest (src/privacy/keyStore.ts),
 * reached through the store the commands open: the encrypting store decorator carries its key
 * store. A store without one (encryption off) cannot erase anything.
 */
import type { EventStore } from '../store/eventStore.js';
import type { SubjectKeys, SubjectKeyState } from './subjectKeys.js';

/** The part of src/privacy's KeyStore erasure uses. */
interface KeyStoreLike {
  state(subject: string): { readonly state: 'active' | 'erasing' | 'destroyed' } | undefined;
  beginErasure(subject: string): unknown;
  destroy(subject: string): unknown;
  abortErasure(subject: string): unknown;
  subjects(): Iterable<{ readonly subject: string; readonly state: string }>;
}

export function subjectKeysOf(store: EventStore): SubjectKeys | undefined {
  const keys = (store as { readonly keys?: KeyStoreLike }).keys;
  if (keys === undefined) return undefined;
  return {
    state: (subject) => Promise.resolve<SubjectKeyState>(keys.state(subject)?.state ?? 'absent'),
    beginErasure: (subject) => Promise.resolve(void keys.beginErasure(subject)),
    destroy: (subject) => Promise.resolve(void keys.destroy(subject)),
    abortErasure: (subject) => Promise.resolve(void keys.abortErasure(subject)),
    erasing: () => {
      const live = new Map<string, string>();
      // Oldest first: a subject's newest key decides.
      for (const info of keys.subjects()) live.set(info.subject, info.state);
      return Promise.resolve(
        [...live].filter(([, state]) => state === 'erasing').map(([subject]) => subject),
      );
    },
  };
}
