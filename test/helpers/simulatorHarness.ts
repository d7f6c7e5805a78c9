/**
 * Shared setup for tests that talk to the ComPilot API simulator over real HTTP on 127.0.0.1,
 * plus a pino logger whose lines are kept in memory so tests can check what was logged.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Webhook } from 'svix';
import type { Test } from 'tap';
import { createLogger, type Logger } from '../../src/lib/logger.js';
import {
  startSimulatorApi,
  type SimulatorApi,
  type SimulatorApiOptions,
} from '../../src/simulator/apiServer.js';
import { createSimulatorState, type SimulatorState } from '../../src/simulator/state.js';
import { startServer } from './httpServer.js';

export interface SimulatorHarness {
  readonly api: SimulatorApi;
  readonly state: SimulatorState;
  readonly apiKey: string;
}

/** Starts the API simulator with a fresh state and random key; closed at the test's end. */
export async function startSimulator(
  t: Test,
  options: Partial<SimulatorApiOptions> = {},
): Promise<SimulatorHarness> {
  const apiKey = options.apiKey ?? `sk_test_${randomBytes(16).toString('hex')}`;
  const state = options.state ?? createSimulatorState();
  const api = await startSimulatorApi({ ...options, apiKey, state });
  t.teardown(() => api.close());
  return { api, state, apiKey };
}

/** An onboarded, Active customer. */
export function addActiveCustomer(state: SimulatorState): string {
  const { id } = state.addCustomer();
  state.updateCustomer(id, {
    onboardingLevel: 'Onboarded',
    status: 'Active',
    riskScore: 'Low',
    reason: 'Rules engine verification passed',
  });
  return id;
}

export interface CapturedLogger {
  readonly logger: Logger;
  /** Every line written so far. */
  readonly lines: string[];
}

export function captureLogger(level: 'debug' | 'info' | 'warn' = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const logger = createLogger(
    level,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    }),
  );
  return { logger, lines };
}

/** A `random` that returns `values` in order, then `rest` forever (to script faults). */
export function scriptedRandom(values: readonly number[], rest = 0.99): () => number {
  let index = 0;
  return () => (index < values.length ? values[index++]! : rest);
}

/** Resolves once `condition` holds, polling; fails after `timeoutMs` with `what`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface ReceivedDelivery {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Whether svix's own `Webhook.verify` accepted it with the receiver's secret. */
  readonly verified: boolean;
  readonly eventType: string | undefined;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedDelivery[];
}

/**
 * A plain HTTP endpoint that records every delivery and checks it with svix. `answer` picks the
 * status per delivery (default 200).
 */
export async function startWebhookReceiver(
  t: Test,
  secret: string,
  answer: (delivery: ReceivedDelivery, index: number) => number = () => 200,
): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedDelivery[] = [];
  const server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      let verified = true;
      try {
        verifier.verify(body, headers);
      } catch {
        verified = false;
      }
      let eventType: string | undefined;
      try {
        eventType = (JSON.parse(body.toString('utf8')) as { eventType?: string }).eventType;
      } catch {
        eventType = undefined;
      }
      const delivery = { headers, body, verified, eventType };
      received.push(delivery);
      res.writeHead(answer(delivery, received.length - 1)).end();
    });
  });
  t.teardown(() => server.close());
  return { url: `${server.baseUrl}/webhooks/compilot`, received };
}
