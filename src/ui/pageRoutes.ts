/**
 * The signed-in pages: search, customer, export, alerts. Parameters are checked like the query
 * API's (a bad one is a 400 page naming it), then handed to the same use cases.
 */
import type { Router, RouterContext } from '@koa/router';
import type { Next } from 'koa';
import { badParameter, notFound } from '../http/httpError.js';
import type { QueryReadModel } from '../readmodel/readModel.js';
import type { SignatureProver } from '../audit/signatureProof.js';
import { ALERT_STATUSES, CUSTOMER_STATUSES, RISK_SCORES } from '../readmodel/vocabulary.js';
import type { CustomerRecord } from '../readmodel/queries.js';
import { customerStream } from '../events/streams.js';
import type { EventStore } from '../store/eventStore.js';
import { customerReport } from './customerReport.js';
import { EXPORT_CONTENT_TYPES, exportCustomerTrail, exportFileName } from './exportTrail.js';
import { findCustomer } from './findCustomer.js';
import { sendHtml } from './http.js';
import { AlertsPage } from './pages/alertsPage.js';
import { CustomerPage } from './pages/customerPage.js';
import { HomePage } from './pages/homePage.js';
import { RetentionPage } from './pages/retentionPage.js';
import type { UiState } from './uiState.js';

type Guard = (ctx: RouterContext<UiState>, next: Next) => Promise<void>;

export interface PageRouteDeps {
  readonly store: EventStore;
  readonly readModel: QueryReadModel;
  readonly prove: SignatureProver;
  readonly retentionDays: number;
  readonly clock: () => Date;
}

const RECENT_CUSTOMERS = 50;
const ALERTS_SHOWN = 500;
const RETENTION_SHOWN = 500;

export function createPageRoutes(
  router: Router<UiState>,
  requireSession: Guard,
  deps: PageRouteDeps,
): void {
  const { readModel } = deps;

  router.get('/ui/', requireSession, (ctx) => {
    const query = text(ctx, 'q') ?? '';
    const status = choice(ctx, 'status', CUSTOMER_STATUSES);
    const riskScore = choice(ctx, 'riskScore', RISK_SCORES);
    const recent = readModel
      .listRecentCustomerIds({
        ...(status && { status }),
        ...(riskScore && { riskScore }),
        limit: RECENT_CUSTOMERS,
      })
      .map((id) => readModel.getCustomer(id))
      .filter((customer): customer is CustomerRecord => customer !== undefined);
    const matches = query === '' ? undefined : findCustomer(readModel, query);
    sendHtml(
      ctx,
      200,
      HomePage({ data: { query, matches, status, riskScore, recent }, context: ctx.state.page! }),
    );
  });

  router.get('/ui/customers/:customerId', requireSession, async (ctx) => {
    const customerId = ctx.params.customerId ?? '';
    const date = text(ctx, 'date') ?? '';
    const time = text(ctx, 'time') ?? '';
    const at = pointInTime(date, time);
    const report = await customerReport(deps, customerId, at);
    if (!report) throw notFound(`No events are stored for customer ${customerId}.`);
    sendHtml(ctx, 200, CustomerPage({ report, context: ctx.state.page!, date, time }));
  });

  router.get('/ui/customers/:customerId/export.:format', requireSession, async (ctx) => {
    const customerId = ctx.params.customerId ?? '';
    const format = ctx.params.format;
    if (format !== 'ndjson' && format !== 'csv') throw notFound('Exports are ndjson or csv.');
    const [first] = await deps.store.readStream(customerStream(customerId), { maxCount: 1 });
    if (!first) throw notFound(`No events are stored for customer ${customerId}.`);
    ctx.type = EXPORT_CONTENT_TYPES[format];
    ctx.set('Cache-Control', 'no-store');
    ctx.attachment(exportFileName(customerId, format));
    ctx.body = exportCustomerTrail(deps.store, customerId, format);
  });

  router.get('/ui/streams/:streamName/events/:revision/raw', requireSession, async (ctx) => {
    const streamName = ctx.params.streamName ?? '';
    const rawRevision = ctx.params.revision ?? '';
    if (!/^\d{1,19}$/.test(rawRevision)) throw badParameter('revision', 'must be a whole number');
    const revision = BigInt(rawRevision);
    const [event] = await deps.store.readStream(streamName, {
      fromRevision: revision,
      maxCount: 1,
    });
    if (event === undefined || event.revision !== revision) {
      throw notFound(`No event ${rawRevision} is stored in stream ${streamName}.`);
    }
    // The exact stored bytes as text to read, never a document to render.
    ctx.set('Content-Security-Policy', "sandbox; default-src 'none'");
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = event.data;
  });

  router.get('/ui/alerts', requireSession, (ctx) => {
    const statusParam = text(ctx, 'status') ?? 'open';
    const status = ['open', 'all'].includes(statusParam)
      ? statusParam
      : choice(ctx, 'status', ALERT_STATUSES)!;
    const customerId = text(ctx, 'customerId') ?? '';
    const page = readModel.listAlerts({
      ...(customerId !== '' && { customerId }),
      ...(status !== 'open' &&
        status !== 'all' && { status: status as (typeof ALERT_STATUSES)[number] }),
      limit: ALERTS_SHOWN,
    });
    const alerts = page.items
      .filter((alert) => status !== 'open' || alert.status !== 'Closed')
      .sort(
        (a, b) =>
          (a.customerId ?? '').localeCompare(b.customerId ?? '') ||
          a.alertId.localeCompare(b.alertId),
      );
    sendHtml(
      ctx,
      200,
      AlertsPage({
        data: { status, customerId, alerts, truncated: page.nextCursor !== null },
        context: ctx.state.page!,
      }),
    );
  });

  router.get('/ui/retention', requireSession, (ctx) => {
    const now = deps.clock();
    const data = {
      listed: readModel.listDueCustomers(now, deps.retentionDays, RETENTION_SHOWN),
      retentionDays: deps.retentionDays,
      at: now.toISOString(),
    };
    sendHtml(ctx, 200, RetentionPage({ data, context: ctx.state.page! }));
  });
}

/** A query parameter given once; empty counts as absent (an untouched form field). */
function text(ctx: RouterContext<UiState>, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) throw badParameter(name, 'must be given at most once');
  if (value === undefined || value.trim() === '') return undefined;
  if (value.length > 256) throw badParameter(name, 'must be at most 256 characters');
  return value.trim();
}

function choice<T extends string>(
  ctx: RouterContext<UiState>,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = text(ctx, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw badParameter(name, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** The form's date and optional time, in UTC; a date alone means the end of that day. */
function pointInTime(date: string, time: string): Date | undefined {
  if (date === '') {
    if (time !== '') throw badParameter('date', 'is needed when a time is given');
    return undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw badParameter('date', 'must be YYYY-MM-DD');
  if (time !== '' && !/^\d{2}:\d{2}(:\d{2})?$/.test(time)) {
    throw badParameter('time', 'must be HH:MM or HH:MM:SS');
  }
  const clock = time === '' ? '23:59:59.999' : time.length === 5 ? `${time}:00` : time;
  const at = new Date(`${date}T${clock}Z`);
  if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== date) {
    throw badParameter('date', `is not a calendar date (got "${date}")`);
  }
  return at;
}
