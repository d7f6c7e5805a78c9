/**
 * Doubles for pure tests of retention and erasure (labelled as such): a key store that only
 * tracks the erasure states (the real one is src/privacy's keyStore, used by the process tests),
 * and what the encrypting store returns for an event once its customer's key is destroyed.
 */
import { createHash } from 'node:crypto';
import type { SubjectKeys, SubjectKeyState } from '../../src/retention/subjectKeys.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';

export interface KeyStatesDouble extends SubjectKeys {
  readonly states: Map<string, SubjectKeyState>;
}

/** Erasure states only, no key material (a double of src/privacy/keyStore.ts). */
export function keyStatesDouble(subjects: readonly string[]): KeyStatesDouble {
  const states = new Map<string, SubjectKeyState>(subjects.map((s) => [s, 'active']));
  const move = (subject: string, from: SubjectKeyState[], to: SubjectKeyState) => {
    const now = states.get(subject) ?? 'absent';
    if (!from.includes(now)) throw new Error(`key of ${subject} is ${now}, not ${from.join('/')}`);
    states.set(subject, to);
    return Promise.resolve();
  };
  return {
    states,
    state: (subject) => Promise.resolve(states.get(subject) ?? 'absent'),
    beginErasure: (subject) => move(subject, ['active', 'erasing'], 'erasing'),
    destroy: (subject) => move(subject, ['erasing', 'destroyed'], 'destroyed'),
    abortErasure: (subject) => move(subject, ['erasing'], 'active'),
    erasing: () =>
      Promise.resolve([...states].filter(([, s]) => s === 'erasing').map(([subject]) => subject)),
  };
}

/** The event as the encrypting store reads it after its key was destroyed. */
export function asErased(event: RecordedEvent, subject: string): RecordedEvent {
  return {
    ...event,
    data: Buffer.alloc(0),
    encryption: {
      subject,
      keyId: 'double',
      state: 'erased',
      plaintextSha256: createHash('sha256').update(event.data).digest('hex'),
      storedData: event.data,
    },
  } as RecordedEvent;
}
