/**
 * Lets `simulate send` and `simulate demo` tell another simulator (the one inside `dev`) about
 * the customers they make up, so that simulator's API answers the details enrichment asks for
 * instead of 404. Each change is PUT to `/simulator/customers/{id}` (a simulator-only path, with
 * the simulator's API key) before the webhook describing it is delivered.
 */
import type { IncomingMessage } from 'node:http';
import nodeFetch from 'node-fetch';
import type { SimCustomer, SimulatorState } from './state.js';

export const REGISTRATION_PATH = '/simulator/customers/';
const MAX_REGISTRATION_BYTES = 64 * 1024;

/** `state`, calling `onChange` with the customer after every change to one. */
export function observeCustomers(
  state: SimulatorState,
  onChange: (customer: SimCustomer) => void,
): SimulatorState {
  const tell = (customer: SimCustomer): SimCustomer => {
    onChange(customer);
    return customer;
  };
  return {
    ...state,
    projectId: state.projectId,
    addCustomer: (overrides) => tell(state.addCustomer(overrides)),
    updateCustomer: (id, patch, by) => tell(state.updateCustomer(id, patch, by)),
    deleteCustomer: (id, by) => tell(state.deleteCustomer(id, by)),
  };
}

export interface Registrar {
  register(customer: SimCustomer): void;
  /** Resolves once every change so far is registered; rejects naming the first that failed. */
  flush(): Promise<void>;
}

export function createRegistrar(options: { url: string; apiKey: string }): Registrar {
  let chain: Promise<void> = Promise.resolve();
  const base = options.url.replace(/\/+$/, '');
  const put = async (customer: SimCustomer): Promise<void> => {
    const url = `${base}${REGISTRATION_PATH}${encodeURIComponent(customer.id)}`;
    let status: number;
    try {
      const response = await nodeFetch(url, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${options.apiKey}`,
        },
        body: JSON.stringify(customer),
        signal: AbortSignal.timeout(5000),
      });
      await response.text();
      status = response.status;
    } catch (error) {
      throw new Error(`cannot reach the simulator at ${base}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (status !== 204) {
      throw new Error(`the simulator at ${base} refused a customer registration (${status})`);
    }
  };
  return {
    register(customer) {
      chain = chain.then(() => put(customer));
    },
    flush: () => chain,
  };
}

/** The simulator's side: stores the customer as sent. Returns the HTTP status to answer. */
export async function acceptRegistration(
  req: IncomingMessage,
  state: SimulatorState,
): Promise<number> {
  const id = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    .slice(REGISTRATION_PATH.length)
    .trim();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REGISTRATION_BYTES) return 413;
    chunks.push(chunk);
  }
  let customer: SimCustomer;
  try {
    customer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SimCustomer;
  } catch {
    return 400;
  }
  if (id === '' || typeof customer !== 'object' || customer === null || customer.id !== id) {
    return 400;
  }
  // addCustomer keeps every field it is given, the id included: an upsert of the sender's view.
  state.addCustomer(customer);
  return 204;
}
