/**
 * The customer's audit trail as a download, in exactly the formats of `compilot-ledger export`
 * (the same line encoders), streamed page by page so any size runs in constant memory.
 */
import { Readable } from 'node:stream';
import { CSV_COLUMNS, toCsvLine } from '../cli/export.js';
import { toJson } from '../cli/events.js';
import { customerStream } from '../events/streams.js';
import { readStreamPages } from '../store/logPages.js';
import type { EventStore } from '../store/eventStore.js';

export type ExportFormat = 'ndjson' | 'csv';

export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export function exportCustomerTrail(
  store: EventStore,
  customerId: string,
  format: ExportFormat,
): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
    for await (const page of readStreamPages(store, customerStream(customerId))) {
      for (const event of page) {
        yield `${format === 'csv' ? toCsvLine(event) : JSON.stringify(toJson(event))}\n`;
      }
    }
  }
  return Readable.from(lines());
}

/** A file name safe in a Content-Disposition header whatever the customer id holds. */
export function exportFileName(customerId: string, format: ExportFormat): string {
  return `customer-${customerId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}.${format}`;
}
