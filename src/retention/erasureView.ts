/**
 * How answers show an erasure: the record's own row says who erased what, when, why and on
 * which legal basis; the purge markers are bookkeeping for the projections and are not shown
 * as events of the timeline.
 */
import type { RecordedEvent } from '../store/eventStore.js';
import { isErasedEvent } from '../events/erasedEvent.js';
import {
  ALERT_PURGE_EVENT_TYPE,
  ERASED_EVENT_TYPE,
  KYC_PURGE_EVENT_TYPE,
  recordData,
  type ErasedData,
} from '../events/retentionEvents.js';

export function isPurgeMarker(event: RecordedEvent): boolean {
  return event.type === KYC_PURGE_EVENT_TYPE || event.type === ALERT_PURGE_EVENT_TYPE;
}

/** The erasure record's data, when `event` is a readable one. */
export function erasureRecordOf(event: RecordedEvent): ErasedData | undefined {
  if (event.type !== ERASED_EVENT_TYPE || isErasedEvent(event)) return undefined;
  try {
    return recordData<ErasedData>(event);
  } catch {
    return undefined;
  }
}

/** Lines describing an erasure record (no personal data: it holds none). */
export function erasureSummaryOf(event: RecordedEvent): string[] | undefined {
  const data = erasureRecordOf(event);
  if (data === undefined) return undefined;
  return [
    `customer erased: data of ${data.count} events made unreadable at ${data.erasedAt} by ${data.by}`,
    `erasure reason: ${data.reason}`,
    data.override === null
      ? `retention period: ended ${data.erasableFrom ?? '(unknown)'}`
      : `erased before the retention period ended, legal basis: ${data.override}`,
  ];
}
