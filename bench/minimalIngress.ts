/**
 * The ceiling rows of `bench/ingress.ts`. `minimalIngress`: only the parts the design card
 * mandates for the webhook route, and nothing else: Koa with @koa/router, the raw body, svix's
 * `verify`, ajv over the parsed body, a 202. No ids, hashes, logs, metrics, quarantine or
 * storage. No ingress built on these parts can answer faster than this, whatever its store, so
 * its ratio to the bare server bounds the ratio any durable ingress can reach on the machine.
 * `nodeHttpIngress`: the same without Koa, on node:http alone: what leaving Koa off the route
 * could buy.
 */
import type { RequestListener } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { Webhook } from 'svix';
import { readRawBody } from '../src/ingress/rawBody.js';
import { loadSchemaSet } from '../src/validation/schemas.js';
import type { WebhookEventType } from '../src/events/types.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Verifies and validates one delivery; true when its body fits its event type's schema. */
function checker(secret: string): (body: Buffer, headers: Headers) => boolean {
  const webhook = new Webhook(secret);
  const schemas = loadSchemaSet();
  return (body, headers) => {
    const parsed = webhook.verify(body.toString('utf8'), {
      'svix-id': String(headers['svix-id']),
      'svix-timestamp': String(headers['svix-timestamp']),
      'svix-signature': String(headers['svix-signature']),
    }) as { eventType: WebhookEventType };
    return schemas.validate(parsed.eventType, parsed).ok;
  };
}

export function minimalIngress(secret: string): Koa {
  const check = checker(secret);
  const router = new Router();
  router.post('/webhooks/compilot', async (ctx) => {
    const valid = check(await readRawBody(ctx.req, 1024 * 1024), ctx.headers);
    ctx.status = 202;
    ctx.body = { valid };
  });
  const app = new Koa();
  app.use(router.routes());
  return app;
}

export function nodeHttpIngress(secret: string): RequestListener {
  const check = checker(secret);
  return (req, res) => {
    readRawBody(req, 1024 * 1024)
      .then((body) => {
        const valid = check(body, req.headers);
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ valid }));
      })
      .catch(() => {
        res.writeHead(400);
        res.end();
      });
  };
}
