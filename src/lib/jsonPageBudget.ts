/**
 * The byte cap of a JSON page. A count limit alone does not bound an answer (one page of 1,000
 * deliveries of 1 MiB is 1 GB, more than the largest string Node can build), so every paged
 * answer also stops adding items once the next one would take the serialised page over the cap,
 * and continues from there on the next page. The first item is always taken, so a page is never
 * empty while items remain and paging always makes progress.
 */

/** The documented cap on one JSON page: 8 MiB. */
export const PAGE_MAX_BYTES = 8 * 1024 * 1024;

/** Room kept for the page's own fields (ids, cursors, times) around its items. */
const ENVELOPE_BYTES = 4 * 1024;

export class JsonPageBudget {
  private used = ENVELOPE_BYTES;
  private taken = 0;

  constructor(readonly maxBytes: number = PAGE_MAX_BYTES) {}

  /** Takes `item` when it fits (or when it is the first) and says whether it did. */
  admit(item: unknown): boolean {
    // The comma or bracket around the item is the + 1.
    const size = Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
    if (this.taken > 0 && this.used + size > this.maxBytes) return false;
    this.used += size;
    this.taken += 1;
    return true;
  }
}
