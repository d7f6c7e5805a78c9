/** Bounded cache of unwrapped data keys, by key id, with each subject's live key found fast. */

/** An unwrapped data key: the AES-256 key of one subject's generation. */
export interface DataKey {
  readonly subject: string;
  readonly keyId: string;
  readonly key: Buffer;
}

interface Entry {
  readonly key: DataKey;
  readonly state: 'active' | 'erasing';
}

export class KeyCache {
  private readonly byId = new Map<string, Entry>();
  private readonly liveBySubject = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  // Eviction is by insertion order (FIFO), not by use: moving an entry to the back on every hit
  // cost a rebuild two map operations per event, and the cache is sized for every customer.
  get(keyId: string): Entry | undefined {
    return this.byId.get(keyId);
  }

  /** The subject's key if cached and active (erasing keys take no new events). */
  getLive(subject: string): DataKey | undefined {
    const keyId = this.liveBySubject.get(subject);
    const entry = keyId === undefined ? undefined : this.get(keyId);
    return entry?.state === 'active' ? entry.key : undefined;
  }

  set(key: DataKey, state: 'active' | 'erasing'): void {
    this.byId.delete(key.keyId);
    this.byId.set(key.keyId, { key, state });
    this.liveBySubject.set(key.subject, key.keyId);
    while (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value as string;
      const evicted = this.byId.get(oldest);
      this.byId.delete(oldest);
      if (evicted && this.liveBySubject.get(evicted.key.subject) === oldest) {
        this.liveBySubject.delete(evicted.key.subject);
      }
    }
  }

  delete(keyId: string): void {
    const entry = this.byId.get(keyId);
    this.byId.delete(keyId);
    if (entry && this.liveBySubject.get(entry.key.subject) === keyId) {
      this.liveBySubject.delete(entry.key.subject);
    }
  }

  clear(): void {
    this.byId.clear();
    this.liveBySubject.clear();
  }
}
