/**
 * Delivers webhook messages the way Svix does: a POST of the exact body with `svix-id`,
 * `svix-timestamp` and `svix-signature` headers, signed with svix's own `Webhook.sign`. Each
 * attempt is signed afresh with the current time; the `svix-id` stays the same across attempts
 * and redeliveries, which is what receivers deduplicate on.
 */
import { randomBytes } from 'node:crypto';
import nodeFetch from 'node-fetch';
import { Webhook } from 'svix';
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/sleep.js';

export interface WebhookMessage {
  /** `msg_...`, stable across retries and redeliveries. */
  readonly msgId: string;
  readonly eventType: string;
  /** The exact bytes sent and signed. */
  readonly body: string;
}

export interface DeliveryResult {
  readonly msgId: string;
  readonly eventType: string;
  /** The last HTTP status, or 'network-error'. */
  readonly status: number | 'network-error';
  readonly attempts: number;
}

export type PostLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ readonly status: number; text(): Promise<string> }>;

export interface WebhookSenderOptions {
  readonly targetUrl: string;
  /** `whsec_...` */
  readonly secret: string;
  /** Attempts per delivery; 429, 5xx and network errors are retried. @defaultValue 3 */
  readonly maxAttempts?: number;
  /** @defaultValue 250 */
  readonly retryDelayMs?: number;
  /** @defaultValue 15000 (Svix Cloud's limit) */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  readonly fetch?: PostLike;
  readonly logger?: Logger;
  /**
   * Once the target has answered nothing (network errors only) for this long, every delivery
   * throws {@link TargetUnreachableError} instead of retrying on. @defaultValue never
   */
  readonly giveUpAfterMs?: number;
}

/** The target has been unreachable for longer than `giveUpAfterMs`. */
export class TargetUnreachableError extends Error {
  constructor(
    readonly targetUrl: string,
    readonly seconds: number,
  ) {
    super(`${targetUrl} has not answered for ${seconds} s`);
    this.name = 'TargetUnreachableError';
  }
}

export interface WebhookSender {
  deliver(message: WebhookMessage, signal?: AbortSignal): Promise<DeliveryResult>;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Svix-style message id: `msg_` and 27 base62 characters, like a KSUID. */
export function newMessageId(): string {
  let id = '';
  for (const byte of randomBytes(27)) id += BASE62[byte % 62];
  return `msg_${id}`;
}

/** A message with a fresh id; objects are serialised once, here, and then sent byte-exact. */
export function webhookMessage(body: object | string, msgId = newMessageId()): WebhookMessage {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let eventType = 'unknown';
  try {
    const parsed = JSON.parse(text) as { eventType?: unknown };
    if (typeof parsed.eventType === 'string') eventType = parsed.eventType;
  } catch {
    // a deliberately broken body keeps eventType 'unknown'
  }
  return { msgId, eventType, body: text };
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const signer = new Webhook(options.secret);
  const post: PostLike = options.fetch ?? nodeFetch;
  const maxAttempts = options.maxAttempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const now = options.now ?? (() => new Date());
  const { logger, giveUpAfterMs } = options;
  // Since when every attempt has been a network error (undefined: the target answers).
  let unreachableSince: number | undefined;
  const checkReachable = (): void => {
    if (giveUpAfterMs === undefined || unreachableSince === undefined) return;
    const ms = performance.now() - unreachableSince;
    if (ms >= giveUpAfterMs) {
      throw new TargetUnreachableError(options.targetUrl, Math.round(ms / 1000));
    }
  };

  async function attempt(message: WebhookMessage, signal?: AbortSignal) {
    const at = now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Svix-Webhooks/1.99 (compilot-ledger simulator)',
      'svix-id': message.msgId,
      'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
      'svix-signature': signer.sign(message.msgId, at, message.body),
    };
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await post(options.targetUrl, {
        method: 'POST',
        headers,
        body: message.body,
        signal: combined,
      });
      await response.text();
      return response.status;
    } catch (error) {
      signal?.throwIfAborted();
      logger?.debug({ msgId: message.msgId, err: error }, 'webhook delivery attempt failed');
      return 'network-error' as const;
    }
  }

  return {
    async deliver(message, signal) {
      let status: number | 'network-error' = 'network-error';
      let attempts = 0;
      while (attempts < maxAttempts) {
        if (attempts > 0) await sleep(retryDelayMs * 2 ** (attempts - 1), signal);
        signal?.throwIfAborted();
        checkReachable();
        attempts += 1;
        status = await attempt(message, signal);
        if (status !== 'network-error') unreachableSince = undefined;
        else unreachableSince ??= performance.now();
        const retryable = status === 'network-error' || status === 429 || status >= 500;
        if (!retryable) break;
      }
      const log = { msgId: message.msgId, eventType: message.eventType, status, attempts };
      if (typeof status === 'number' && status >= 200 && status < 300) {
        logger?.debug(log, 'webhook delivered');
      } else {
        logger?.warn(log, 'webhook delivery failed');
      }
      return { msgId: message.msgId, eventType: message.eventType, status, attempts };
    },
  };
}
