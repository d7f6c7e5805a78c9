/**
 * The ceiling row of `bench/ingress.ts`: only the parts the design card mandates for the webhook
 * route, and nothing else: Koa with @koa/router, the raw body, svix's `verify`, ajv over the
 * parsed body, a 202. No ids, hashes, logs, metrics, quarantine or storage. No ingress built on
 * these parts can answer faster than this, whatever its store, so its ratio to the bare server
 * bounds the ratio any durable ingress can reach on the machine.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { Webhook } from 'svix';
import { readRawBody } from '../src/ingress/rawBody.js';
import { loadSchemaSet } from '../src/validation/schemas.js';
import type { WebhookEventType } from '../src/events/types.js';

export function minimalIngress(secret: string): Koa {
  const webhook = new Webhook(secret);
  const schemas = loadSchemaSet();
  const router = new Router();
  router.post('/webhooks/compilot', async (ctx) => {
    const body = await readRawBody(ctx.req, 1024 * 1024);
    const parsed = webhook.verify(body.toString('utf8'), {
      'svix-id': ctx.get('svix-id'),
      'svix-timestamp': ctx.get('svix-timestamp'),
      'svix-signature': ctx.get('svix-signature'),
    }) as { eventType: WebhookEventType };
    const result = schemas.validate(parsed.eventType, parsed);
    ctx.status = 202;
    ctx.body = { valid: result.ok };
  });
  const app = new Koa();
  app.use(router.routes());
  return app;
}
