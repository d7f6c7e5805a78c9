/**
 * The viewer's search box: one text, tried as every key a reviewer may have at hand, through the
 * same read-model use cases as the JSON API. A match says which key it matched by.
 */
import type { QueryReadModel } from '../readmodel/readModel.js';
import type { CustomerRecord } from '../readmodel/queries.js';

export interface CustomerMatch {
  readonly customerId: string;
  /** e.g. `ComPilot customer id`, `wallet address`. */
  readonly matchedBy: readonly string[];
  readonly customer: CustomerRecord | undefined;
}

export function findCustomer(readModel: QueryReadModel, text: string): CustomerMatch[] {
  const value = text.trim();
  if (value === '') return [];
  const found = new Map<string, string[]>();
  const add = (customerId: string, key: string): void => {
    const keys = found.get(customerId) ?? [];
    if (!keys.includes(key)) keys.push(key);
    found.set(customerId, keys);
  };
  if (readModel.getCustomer(value)) add(value, 'ComPilot customer id');
  for (const id of readModel.findCustomerIds('externalCustomerId', value)) {
    add(id, 'external customer id');
  }
  for (const owner of readModel.findWalletOwners(value)) {
    add(owner.customerId, 'wallet address');
  }
  if (value.includes('@')) {
    for (const id of readModel.findCustomerIds('email', value)) add(id, 'email');
  }
  return [...found].map(([customerId, matchedBy]) => ({
    customerId,
    matchedBy,
    customer: readModel.getCustomer(customerId),
  }));
}
