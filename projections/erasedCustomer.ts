/**
 * The customer-state of an erased customer: ids and dates only (customer id, created, deleted,
 * when it was erased and by which record), built from the erasure record alone.
 */
import type { ErasedData } from '../src/events/retentionEvents.js';
import { recordData } from '../src/events/retentionEvents.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import { evidenceOf } from './eventFacts.js';
import { emptyCustomer, type CustomerState } from './customerTypes.js';

export function erasedCustomer(customerId: string, record: RecordedEvent): CustomerState {
  const data = recordData<ErasedData>(record);
  const stub = emptyCustomer(customerId, record.position);
  stub.createdAt = data.customer.createdAt;
  stub.deleted = data.customer.deleted;
  stub.deletedAt = data.customer.deletedAt;
  stub.evidence = { erased: evidenceOf(record, data.erasedAt) };
  return stub;
}

export function isErasedCustomer(state: CustomerState): boolean {
  return state.evidence.erased !== undefined;
}
