/**
 * The deliveries bench:ingress sends: realistic ~1 KB signed `customer.updated` bodies, each with
 * its own svix id, and which customer each delivery is about.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import { Webhook } from 'svix';

/** The customer id of delivery n. */
export type CustomerOf = (n: number) => string;

const known = Array.from({ length: 1000 }, () => randomUUID());

/** 1,000 customers in turn: each is new once, in the first 1,000 deliveries of a run. */
export const cycling: CustomerOf = (n) => known[n % known.length]!;

/**
 * A steady flow of new customers, as onboarding brings them: every 20th delivery is a new
 * customer's first (5 %, the share of first deliveries in a 20,000-delivery run of `cycling`),
 * the others go to one of the 1,000 customers opened before it.
 */
export function steadyNewCustomers(): CustomerOf {
  const opened: string[] = [];
  return (n) => {
    const newest = Math.floor(n / 20);
    while (opened.length <= newest) opened.push(randomUUID());
    if (n % 20 === 0 || newest === 0) return opened[newest]!;
    // A fixed pseudo-random earlier customer, so every server gets the same sequence.
    const pick = createHash('sha256').update(String(n)).digest().readUInt32BE(0);
    return opened[newest - 1 - (pick % Math.min(1000, newest))]!;
  };
}

export interface PreparedRequest {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** The signing secret of every bench delivery; each server gets it as BENCH_WEBHOOK_SECRET. */
export const secret = `whsec_${randomBytes(24).toString('base64')}`;
const webhook = new Webhook(secret);

/** A realistic ~1 KB customer.updated delivery with its own svix id and signature. */
export function prepare(n: number, customerOf: CustomerOf = cycling): PreparedRequest {
  const msgId = `msg_${randomUUID()}`;
  const body = JSON.stringify(
    {
      eventType: 'customer.updated',
      payload: {
        id: `wh_${randomBytes(6).toString('hex')}`,
        cmsProjectId: 'cmsproj_k2P8xQ',
        customerId: customerOf(n),
        externalCustomerId: `user_${48213 + n}`,
        createdBy: 'system',
        updatedBy: n % 3 === 0 ? 'officer_19' : 'system',
        type: 'Individual',
        onboardingLevel: 'Onboarded',
        status: n % 7 === 0 ? 'To be reviewed' : 'Active',
        riskScore: n % 7 === 0 ? 'Medium' : 'Low',
        reason:
          n % 7 === 0
            ? 'AML screening hits received during ongoing monitoring: potential match on a ' +
              'sanctions list entry with a similar name and birth year; officer review required ' +
              'before the customer can transact again. Screening provider reference attached; ' +
              'the case was escalated to the compliance team for enhanced due diligence.'
            : 'Rules engine verification passed: identity document, liveness check and AML ' +
              'screening all completed without findings; wallet screening returned a low risk ' +
              'level and the customer was promoted to Active with a Low risk score. The ' +
              'onboarding workflow completed all of its steps, including the questionnaire.',
        deletedBy: null,
        deletedAt: null,
        createdAt: '2025-03-03T09:14:02.118Z',
        updatedAt: new Date(Date.UTC(2025, 2, 3, 9, 21, 40) + n * 1000).toISOString(),
      },
    },
    null,
    2,
  );
  const now = new Date();
  const signature = webhook.sign(msgId, now, body);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'svix-id': msgId,
      'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
      'svix-signature': signature,
    },
  };
}

/** Autocannon requests that send `prepared` in order, then sign more as needed. */
export function webhookRequests(
  prepared: readonly PreparedRequest[],
  customerOf: CustomerOf = cycling,
): autocannon.Request[] {
  let cursor = 0;
  return [
    {
      method: 'POST',
      path: '/webhooks/compilot',
      setupRequest: (request) => {
        const next = cursor < prepared.length ? prepared[cursor]! : prepare(cursor, customerOf);
        cursor++;
        return { ...request, body: next.body, headers: next.headers };
      },
    },
  ];
}
