import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import fc from 'fast-check';
import { Webhook, WebhookVerificationError } from 'svix';
import t from 'tap';
import { WEBHOOK_EVENT_TYPES } from '../../src/events/types.js';
import { deliveryEventId, quarantineEntryId } from '../../src/ingress/deliveryIdentity.js';
import { readWholeLog, startIngress } from '../helpers/ingressHarness.js';
import { generateSecret, signDelivery } from '../helpers/signWebhook.js';

const fixtures = WEBHOOK_EVENT_TYPES.map((type) =>
  readFileSync(new URL(`../fixtures/webhooks/${type}.json`, import.meta.url)),
);

/** Bodies from the realistic to the absurd. */
const bodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...fixtures),
  fc
    .tuple(fc.constantFrom(...fixtures), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 }))
    .map(([body, at, bytes]) => {
      const copy = Buffer.from(body);
      copy.set(bytes.subarray(0, copy.length - (at % copy.length)), at % copy.length);
      return copy;
    }),
  fc.json({ maxDepth: 3 }).map((text) => Buffer.from(text)),
  fc
    .record({
      eventType: fc.oneof(fc.constantFrom(...WEBHOOK_EVENT_TYPES), fc.string()),
      payload: fc.jsonValue({ maxDepth: 2 }),
    })
    .map((value) => Buffer.from(JSON.stringify(value))),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
);

const headerName = fc.constantFrom(
  'svix-id',
  'svix-timestamp',
  'svix-signature',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'x-anything',
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('v1,', 'v1,AAAA', '0', '-1', '99999999999', 'v1a,xyz v1,', ' '),
);
const msgIdArb = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/);

type Delivery =
  | {
      readonly kind: 'random-headers';
      readonly body: Buffer;
      readonly headers: Record<string, string | string[]>;
    }
  | {
      readonly kind: 'signed';
      readonly body: Buffer;
      readonly msgId: string;
      readonly secretIndex: 0 | 1 | 'stranger';
      readonly offsetSeconds: number;
      readonly scheme: 'svix' | 'webhook';
      readonly tamper?:
        { readonly header: string; readonly value: string } | { readonly body: Buffer };
    }
  | { readonly kind: 'redeliver'; readonly pick: number };

const tamperArb = fc.oneof(
  fc.record({ header: headerName, value: headerValue }),
  fc.record({ body: bodyArb }),
);

const deliveryArb: fc.Arbitrary<Delivery> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('random-headers' as const),
      body: bodyArb,
      headers: fc.dictionary(
        headerName,
        fc.oneof(headerValue, fc.array(headerValue, { minLength: 2, maxLength: 3 })),
        { maxKeys: 6 },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('signed' as const),
      body: bodyArb,
      msgId: msgIdArb,
      secretIndex: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(0 as const, 1 as const) },
        { weight: 1, arbitrary: fc.constant('stranger' as const) },
      ),
      offsetSeconds: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: -240, max: 240 }) },
        { weight: 1, arbitrary: fc.constantFrom(-4000, -360, 360, 4000) },
      ),
      scheme: fc.constantFrom('svix' as const, 'webhook' as const),
      tamper: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: tamperArb },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat() }) },
);

/** Whether a tamper left everything the signature covers (and its headers) as signed. */
function tamperIsHarmless(
  delivery: Extract<Delivery, { kind: 'signed' }>,
  signedHeaders: Record<string, string>,
): boolean {
  const { tamper } = delivery;
  if (tamper === undefined) return true;
  if ('body' in tamper) return tamper.body.equals(delivery.body);
  const name = tamper.header;
  if (signedHeaders[name] !== undefined) {
    return name === 'content-type' || signedHeaders[name] === httpTrim(tamper.value);
  }
  // A webhook-* header next to svix-* ones is ignored; the reverse takes precedence, unless
  // it is blank (HTTP trims header values, and an empty header counts as absent).
  return !name.startsWith('svix-') || httpTrim(tamper.value) === '';
}

/** HTTP strips spaces and tabs around a header value before the server sees it. */
function httpTrim(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

void t.test(
  'random deliveries never crash the ingress and only verified ones are stored, once',
  async (t) => {
    const secrets = [generateSecret(), generateSecret()];
    const ingress = await startIngress(t.testdir(), { secrets, maxBodyBytes: 64 * 1024 });
    t.teardown(() => ingress.close());

    /** Every delivery this test expects to be in the log, by svix id. */
    const verified = new Map<string, Buffer>();
    let sequence = 0;
    let signedAndValid = 0;

    await fc.assert(
      fc.asyncProperty(deliveryArb, async (delivery) => {
        if (delivery.kind === 'random-headers') {
          const res = await ingress.deliver(delivery.body, delivery.headers);
          // Random headers can never carry a valid signature.
          return res.status === 401 && typeof res.json().reason === 'string';
        }
        if (delivery.kind === 'redeliver') {
          const known = [...verified];
          if (known.length === 0) return true;
          const [msgId, body] = known[delivery.pick % known.length]!;
          const signed = signDelivery({ secret: secrets[1]!, body, msgId });
          const res = await ingress.deliver(body, signed.headers);
          return res.status === 200 && res.json().duplicate === true;
        }

        // Unique per delivery, so one id never comes with two bodies (as with Svix).
        const msgId = `${delivery.msgId}#${sequence++}`;
        const secret =
          delivery.secretIndex === 'stranger' ? generateSecret() : secrets[delivery.secretIndex]!;
        const signed = signDelivery({
          secret,
          body: delivery.body,
          msgId,
          offsetSeconds: delivery.offsetSeconds,
          scheme: delivery.scheme,
        });
        let body = delivery.body;
        const headers: Record<string, string> = { ...signed.headers };
        if (delivery.tamper && 'body' in delivery.tamper) body = delivery.tamper.body;
        if (delivery.tamper && 'header' in delivery.tamper)
          headers[delivery.tamper.header] = delivery.tamper.value;

        const res = await ingress.deliver(body, headers);
        if (res.status >= 500) return false;
        const shouldVerify =
          delivery.secretIndex !== 'stranger' &&
          Math.abs(delivery.offsetSeconds) <= 240 &&
          isUtf8(delivery.body) &&
          tamperIsHarmless(delivery, signed.headers);
        if (!shouldVerify) return res.status === 401;
        signedAndValid++;
        verified.set(msgId, body);
        return res.status === 200 && res.json().stored === true;
      }),
      { numRuns: 200 },
    );

    t.ok(signedAndValid > 20, `enough deliveries were validly signed (${signedAndValid})`);
    const log = await readWholeLog(ingress.store);
    t.equal(log.length, verified.size, 'one event per verified delivery');
    const ids = new Set(log.map((event) => event.id));
    t.equal(ids.size, log.length, 'no event id twice');
    const byId = new Map(log.map((event) => [event.id, event]));
    const missing = [...verified].filter(
      ([msgId, body]) =>
        !(byId.get(deliveryEventId(msgId)) ?? byId.get(quarantineEntryId(msgId)))?.data.equals(
          body,
        ),
    );
    t.same(missing, [], 'every verified delivery is stored byte-exact under its id');
    // Independently re-verify every stored event from its own metadata with svix.
    let reverified = 0;
    for (const event of log) {
      const headers = {
        'svix-id': String(event.metadata.svixId),
        'svix-timestamp': String(event.metadata.svixTimestamp),
        'svix-signature': String(event.metadata.svixSignature),
      };
      const ok = secrets.some((secret) => {
        try {
          new Webhook(secret).verify(event.data.toString('utf8'), headers);
          return true;
        } catch (error) {
          return !(error instanceof WebhookVerificationError);
        }
      });
      if (ok) reverified++;
    }
    t.equal(reverified, log.length, 'every stored event re-verifies from its metadata');
    const res = await ingress.deliver('{}', {});
    t.equal(res.status, 401, 'the server still answers after the run');
  },
);

/** Writes raw bytes on a fresh TCP connection, half-closes, and returns whatever comes back. */
function rawExchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.end(bytes);
  });
}

void t.test('raw garbage on the socket never crashes the server or gets a 5xx', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const headArb = fc.oneof(
    fc.constant('POST /webhooks/compilot HTTP/1.1\r\n'),
    fc.constant(
      'POST /webhooks/compilot HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
    ),
    fc.constant('POST /webhooks/compilot HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n'),
    fc.constant(''),
  );
  await fc.assert(
    fc.asyncProperty(headArb, fc.uint8Array({ maxLength: 300 }), async (head, tail) => {
      const answer = await rawExchange(
        ingress.port,
        Buffer.concat([Buffer.from(head, 'latin1'), tail]),
      );
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      return status === undefined || Number(status) < 500;
    }),
    { numRuns: 100 },
  );
  t.same(await readWholeLog(ingress.store), [], 'nothing was written');
  t.equal((await ingress.deliver('{}', {})).status, 401, 'the server still answers');
});
