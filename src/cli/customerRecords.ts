/**
 * What the retention commands that write records about a customer (`offboard`, `hold`) share:
 * the customer's stream read whole (an unknown customer is refused), and a record appended to
 * it. The records carry no personal data and are never encrypted (retentionEvents.ts).
 */
import { customerStream } from '../events/streams.js';
import { encodeRecord } from '../events/retentionEvents.js';
import { readWholeStream } from '../retention/erasurePlan.js';
import type { AppendResult, RecordedEvent } from '../store/eventStore.js';
import { withLedger } from './auditSupport.js';
import type { CliDeps } from './deps.js';

export interface CustomerRecords {
  /** The customer's stream as it was read before anything was written. */
  readonly events: readonly RecordedEvent[];
  /** Appends one record (`recordedAt` also goes to the metadata). */
  append(id: string, type: string, data: { readonly recordedAt: string }): Promise<AppendResult>;
  /** The stream read again, after the append. */
  reread(): Promise<RecordedEvent[]>;
}

/** Runs `body` on the customer's stream (writable); exit 1 when no event names the customer. */
export function withCustomerRecords(
  deps: CliDeps,
  customerId: string,
  body: (records: CustomerRecords) => Promise<number>,
): Promise<number> {
  return withLedger(
    deps,
    async ({ store }) => {
      const stream = customerStream(customerId);
      const events = await readWholeStream(store, stream);
      if (events.length === 0) {
        deps.stderr.write(
          `no events are stored for customer ${customerId} (no stream ${stream})\n`,
        );
        return 1;
      }
      return body({
        events,
        append: (id, type, data) =>
          store.appendToStream(stream, [
            { id, type, data: encodeRecord(data), metadata: { recordedAt: data.recordedAt } },
          ]),
        reread: () => readWholeStream(store, stream),
      });
    },
    { readOnly: false },
  );
}

/** How many records of `types` the stream held: ids of repeatable records count them. */
export function countOf(events: readonly RecordedEvent[], ...types: string[]): number {
  return events.filter((event) => types.includes(event.type)).length;
}
