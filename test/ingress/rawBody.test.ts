import { request } from 'node:http';
import t from 'tap';
import { WEBHOOK_PATH } from '../../src/ingress/app.js';
import { readResponse, send, type HttpResponse } from '../helpers/httpServer.js';
import { readWholeLog, startIngress } from '../helpers/ingressHarness.js';
import { signDelivery } from '../helpers/signWebhook.js';

const LIMIT = 4096;

/**
 * Sends only the request head, declaring a body of `length` bytes, and waits for the answer:
 * an answer proves the server decided before reading any of the body.
 */
function declareOnly(
  port: number,
  length: number,
  headers: Record<string, string>,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: WEBHOOK_PATH,
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-length': String(length) },
      },
      (res) => {
        void readResponse(res).then((response) => {
          req.destroy();
          resolve(response);
        });
      },
    );
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** A valid JSON body of exactly `size` bytes. */
function bodyOfSize(size: number): string {
  const shell = JSON.stringify({ eventType: 'customer.updated', padding: '' });
  return shell.replace('"padding":""', `"padding":"${'x'.repeat(size - shell.length)}"`);
}

void t.test(
  'a declared Content-Length over the limit is refused before any byte is read',
  async (t) => {
    const ingress = await startIngress(t.testdir(), { maxBodyBytes: LIMIT });
    t.teardown(() => ingress.close());
    const res = await declareOnly(ingress.port, LIMIT + 1, { 'content-type': 'application/json' });
    t.equal(res.status, 413);
    t.equal(res.json().limit, LIMIT);
    t.same(await readWholeLog(ingress.store), [], 'nothing was written');
  },
);

void t.test('a body over the limit with a Content-Length is refused with 413', async (t) => {
  const ingress = await startIngress(t.testdir(), { maxBodyBytes: LIMIT });
  t.teardown(() => ingress.close());
  const body = bodyOfSize(LIMIT + 1);
  const res = await ingress.deliver(body, signDelivery({ secret: ingress.secrets, body }).headers);
  t.equal(res.status, 413);
  t.match(res.json(), { error: /larger than 4096 bytes/, limit: LIMIT });
  t.equal(res.headers.connection, 'close', 'the unread rest is not drained');
  t.same(await readWholeLog(ingress.store), [], 'nothing was written');
});

void t.test('a chunked body over the limit is refused with 413 while streaming', async (t) => {
  const ingress = await startIngress(t.testdir(), { maxBodyBytes: LIMIT });
  t.teardown(() => ingress.close());
  const body = bodyOfSize(LIMIT * 3);
  const { headers } = signDelivery({ secret: ingress.secrets, body });
  const res = await send(ingress.port, WEBHOOK_PATH, { body, headers, chunkSize: 1000 });
  t.equal(res.status, 413);
  t.equal(res.json().limit, LIMIT);
  t.same(await readWholeLog(ingress.store), [], 'nothing was written');
});

void t.test('a body of exactly the limit is accepted', async (t) => {
  const ingress = await startIngress(t.testdir(), { maxBodyBytes: LIMIT });
  t.teardown(() => ingress.close());
  const body = bodyOfSize(LIMIT);
  t.equal(Buffer.byteLength(body), LIMIT);
  const { headers } = signDelivery({ secret: ingress.secrets, body });
  const res = await send(ingress.port, WEBHOOK_PATH, { body, headers, chunkSize: 700 });
  t.equal(res.status, 200, 'answered 200 (quarantined: the padding body fails its schema)');
  const [event] = await readWholeLog(ingress.store);
  t.equal(event?.data.length, LIMIT, 'the chunks were joined byte-exact');
  t.equal(event?.data.toString('utf8'), body);
});

void t.test('an oversized unsigned body is refused with 413 before verification', async (t) => {
  const ingress = await startIngress(t.testdir(), { maxBodyBytes: LIMIT });
  t.teardown(() => ingress.close());
  const res = await ingress.deliver(Buffer.alloc(LIMIT * 2, 0x20), {});
  t.equal(res.status, 413);
  t.same(await readWholeLog(ingress.store), []);
});

void t.test('the default limit is 1 MiB', async (t) => {
  const ingress = await startIngress(t.testdir());
  t.teardown(() => ingress.close());
  const over = await declareOnly(ingress.port, 1024 * 1024 + 1, {});
  t.equal(over.status, 413);
  t.equal(over.json().limit, 1024 * 1024);
  const body = bodyOfSize(1024 * 1024);
  const { headers } = signDelivery({ secret: ingress.secrets, body });
  const res = await ingress.deliver(body, headers);
  t.equal(res.status, 200, 'a body of exactly 1 MiB is taken');
  t.equal((await readWholeLog(ingress.store))[0]?.data.length, 1024 * 1024);
});
