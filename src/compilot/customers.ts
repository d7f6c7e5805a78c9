/**
 * Typed functions over the ComPilot customer endpoints (reference `compilot.md` §1.3). They all
 * go through {@link CompilotClient.request}, so they share its retries, limits and typed errors;
 * a 2xx whose body is not the expected JSON raises a `bad-response` error.
 */
import { apiPath, type CompilotClient, type CompilotResponse } from './client.js';
import { CompilotBadResponseError } from './comPilotErrors.js';
import type { Customer, CustomerDetails, CustomerPage, CustomerWallet } from './comPilotTypes.js';

export interface RequestOptions {
  readonly signal?: AbortSignal;
}

/** A response kept byte-exact (for recording) next to its parsed form. */
export interface RawApiResponse<T> {
  readonly status: number;
  /** The body exactly as the API returned it. */
  readonly body: Buffer;
  readonly json: T;
  /** The request path, e.g. `/customers/42/details`. */
  readonly path: string;
}

export interface CustomersApi {
  getCustomerDetails(
    customerId: string,
    options?: RequestOptions,
  ): Promise<RawApiResponse<CustomerDetails>>;
  getCustomer(customerId: string, options?: RequestOptions): Promise<Customer>;
  listCustomers(
    page: { readonly currentPage: number; readonly limit: number },
    options?: RequestOptions,
  ): Promise<CustomerPage>;
  getCustomerWallets(customerId: string, options?: RequestOptions): Promise<CustomerWallet[]>;
}

/**
 * The path of the details endpoint, as recorded in `DetailsMetadata.apiPath`. Throws
 * CompilotInvalidIdError for an id that is not a plausible ComPilot id.
 */
export function customerDetailsPath(customerId: string): string {
  return apiPath`/customers/${customerId}/details`;
}

export function createCustomersApi(client: CompilotClient): CustomersApi {
  return {
    async getCustomerDetails(customerId, options = {}) {
      const response = await client.request({
        path: customerDetailsPath(customerId),
        operation: 'customer_details',
        ...options,
      });
      // The details shape is not published (reference §5.1): any JSON object is accepted.
      const json = parseJson(response, (value): value is CustomerDetails => isObject(value));
      return { status: response.status, body: response.body, json, path: response.path };
    },

    async getCustomer(customerId, options = {}) {
      const response = await client.request({
        path: apiPath`/customers/${customerId}`,
        operation: 'customer',
        ...options,
      });
      return parseJson(response, isCustomer);
    },

    async listCustomers(page, options = {}) {
      if (!Number.isInteger(page.currentPage) || page.currentPage < 1) {
        throw new RangeError('currentPage starts at 1');
      }
      if (!Number.isInteger(page.limit) || page.limit < 1) {
        throw new RangeError('limit must be a positive whole number');
      }
      const response = await client.request({
        path: '/customers',
        query: { currentPage: page.currentPage, limit: page.limit },
        operation: 'customer_list',
        ...options,
      });
      return parseJson(response, isCustomerPage);
    },

    async getCustomerWallets(customerId, options = {}) {
      const response = await client.request({
        path: apiPath`/customers/${customerId}/wallets`,
        operation: 'customer_wallets',
        ...options,
      });
      return parseJson(response, isWalletList);
    },
  };
}

function parseJson<T>(response: CompilotResponse, guard: (value: unknown) => value is T): T {
  const details = {
    method: 'GET',
    path: response.path,
    status: response.status,
    body: response.body,
    attempts: response.attempts,
  };
  let value: unknown;
  try {
    value = JSON.parse(response.body.toString('utf8'));
  } catch (cause) {
    throw new CompilotBadResponseError({ ...details, cause }, 'the body is not JSON');
  }
  if (!guard(value)) {
    throw new CompilotBadResponseError(details, 'the body does not have the expected shape');
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCustomer(value: unknown): value is Customer {
  return isObject(value) && typeof value.id === 'string';
}

function isCustomerPage(value: unknown): value is CustomerPage {
  return (
    isObject(value) &&
    Array.isArray(value.data) &&
    value.data.every(isCustomer) &&
    typeof value.totalCount === 'number'
  );
}

function isWalletList(value: unknown): value is CustomerWallet[] {
  return (
    Array.isArray(value) &&
    value.every((wallet) => isObject(wallet) && typeof wallet.address === 'string')
  );
}
