/**
 * What verify checks of an encrypted event beyond its link (which covers the stored bytes): the
 * ciphertext authenticates under its key (AES-GCM tag: a changed ciphertext is named as such),
 * and the plaintext hashes to the `plaintextSha256` the covered metadata records. An event that
 * cannot be read is a failure: erased ones are reported as such, and accepted only where an
 * erasure record accounts for them (the erasure work adds that).
 */
import type { RecordedEvent } from '../store/eventStore.js';
import { plaintextSha256Of } from './encryptionMetadata.js';

export interface EncryptionFindings {
  /** Whether `data` holds the authenticated plaintext (signature and body checks can run). */
  readonly readable: boolean;
  readonly problems: readonly string[];
}

export function checkEncryption(event: RecordedEvent): EncryptionFindings {
  const encryption = event.encryption;
  if (encryption === undefined) return { readable: true, problems: [] };
  switch (encryption.state) {
    case 'erased':
      return {
        readable: false,
        problems: [
          `encrypted for subject ${encryption.subject}, whose data key is destroyed, and no erasure record accounts for it`,
        ],
      };
    case 'undecryptable':
      return {
        readable: false,
        problems: [`encrypted data cannot be read: ${encryption.problem ?? 'unknown reason'}`],
      };
    case 'decrypted': {
      return plaintextSha256Of(event.data) === encryption.plaintextSha256
        ? { readable: true, problems: [] }
        : {
            readable: true,
            problems: ['the decrypted data does not hash to its recorded plaintextSha256'],
          };
    }
  }
}
