/**
 * Every stream's head (revision and link) as the log is read in commit order: what a
 * checkpoint's Merkle root covers. Events written before the ledger carry no stored link; theirs
 * is computed here from the stored fields, exactly as verify recomputes it.
 */
import type { RecordedEvent } from '../store/eventStore.js';
import { recomputeLink } from './chain.js';
import { GENESIS_LINK } from './link.js';
import { merkleRoot, type StreamHead } from './merkle.js';

export class StreamHeads {
  private readonly heads = new Map<string, { revision: bigint; link: string }>();

  /** The head link of `streamName`, or the genesis value before its first event. */
  previousLink(streamName: string): string {
    return this.heads.get(streamName)?.link ?? GENESIS_LINK;
  }

  nextRevision(streamName: string): bigint {
    const head = this.heads.get(streamName);
    return head === undefined ? 0n : head.revision + 1n;
  }

  /** Moves the stream's head to `event`, with its stored link or (pre-ledger) a computed one. */
  advance(event: RecordedEvent, link?: string): void {
    const headLink =
      link ?? event.link ?? recomputeLink(event, this.previousLink(event.streamName)).link;
    this.heads.set(event.streamName, { revision: event.revision, link: headLink });
  }

  get size(): number {
    return this.heads.size;
  }

  list(): StreamHead[] {
    return [...this.heads].map(([streamName, head]) => ({ streamName, ...head }));
  }

  root(): string {
    return merkleRoot(this.list());
  }
}
