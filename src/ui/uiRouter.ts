/**
 * The audit viewer under `/ui/`: server-rendered pages over the same use cases as the query API,
 * behind a session obtained with a query API token. `/` redirects here when the query API is
 * enabled. Every answer carries a strict CSP; pages work without JavaScript.
 */
import { Router, type RouterContext } from '@koa/router';
import type { Context, Next } from 'koa';
import { createTokenCheck, isQueryApiEnabled } from '../query/auth.js';
import { openQueryReadModel } from '../readmodel/readModelAdapter.js';
import type { QueryReadModel } from '../readmodel/readModel.js';
import { createSignatureProver } from '../audit/signatureProof.js';
import type { Logger } from '../lib/logger.js';
import type { ReadModelDb } from '../readmodel/readModelStore.js';
import type { EventStore } from '../store/eventStore.js';
import { isHttps, isSameOrigin, readForm, securityHeaders, sendHtml } from './http.js';
import { createLedgerStatusReader } from './ledgerStatus.js';
import { SignInPage } from './pages/signInPage.js';
import { ErrorPage } from './pages/errorPage.js';
import { createPageRoutes } from './pageRoutes.js';
import { createSessionStore, readSessionCookie, sessionCookieHeader } from './session.js';
import { loadUiStaticFiles } from './staticFiles.js';
import type { UiState } from './uiState.js';

export interface UiRouterDeps {
  readonly store: EventStore;
  readonly readModelDb: ReadModelDb;
  readonly secrets: readonly string[];
  /** QUERY_API_TOKENS: the tokens that can sign in; none = the viewer is disabled. */
  readonly tokens: readonly string[];
  /** VERIFY_REPORT: the last `verify` summary, shown on every page when it exists. */
  readonly verifyReportPath?: string;
  /** RETENTION_DAYS, for the customer page's retention section (as `erase` applies it). */
  readonly retentionDays: number;
  readonly logger: Logger;
  /** @defaultValue () => new Date() */
  readonly clock?: () => Date;
  /** Replaces the read model adapter (tests). */
  readonly readModel?: QueryReadModel;
}

export function createUiRouter(deps: UiRouterDeps): Router<UiState> {
  const enabled = isQueryApiEnabled(deps.tokens);
  const accepts = createTokenCheck(deps.tokens);
  const sessions = createSessionStore();
  const files = loadUiStaticFiles();
  const clock = deps.clock ?? (() => new Date());
  const ledgerStatus = createLedgerStatusReader({
    store: deps.store,
    verifyReportPath: deps.verifyReportPath,
  });

  const router = new Router<UiState>();
  router.get('/', (ctx) => {
    if (!enabled) return;
    ctx.redirect('/ui/');
  });
  // Router middleware only runs for requests one of its routes matched: the viewer's own.
  router.use(securityHeaders(), renderErrors(deps.logger));
  router.get('/ui/assets/:name', (ctx) => {
    const file = files.assets.get(ctx.params.name ?? '');
    if (!file) return;
    ctx.type = file.contentType;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = file.body;
  });
  router.get('/ui/sign-in', (ctx) => {
    if (sessions.find(readSessionCookie(ctx.get('cookie')))) return ctx.redirect('/ui/');
    sendHtml(ctx, enabled ? 200 : 503, SignInPage({ disabled: !enabled }));
  });
  router.post('/ui/sign-in', async (ctx) => {
    if (!enabled) return sendHtml(ctx, 503, SignInPage({ disabled: true }));
    if (!isSameOrigin(ctx)) {
      return sendHtml(
        ctx,
        403,
        SignInPage({ error: 'Sign in from this page, not from another site.' }),
      );
    }
    const form = await readForm(ctx);
    const token = form?.get('token')?.trim() ?? '';
    if (token === '' || !accepts(token)) {
      deps.logger.info('viewer sign-in refused: token not accepted');
      return sendHtml(
        ctx,
        401,
        SignInPage({ error: 'That token is not accepted. Check it and try again.' }),
      );
    }
    const { cookie } = sessions.create();
    ctx.set('Set-Cookie', sessionCookieHeader(cookie, isHttps(ctx)));
    ctx.status = 303;
    ctx.redirect('/ui/');
  });

  const requireSession = async (ctx: RouterContext<UiState>, next: Next): Promise<void> => {
    const session = sessions.find(readSessionCookie(ctx.get('cookie')));
    if (!session) {
      ctx.status = 303;
      return ctx.redirect('/ui/sign-in');
    }
    ctx.state.session = session;
    ctx.state.page = {
      formToken: session.formToken,
      ledger: await ledgerStatus(),
      version: files.version,
      generatedAt: clock().toISOString(),
    };
    await next();
  };

  router.post('/ui/sign-out', requireSession, async (ctx) => {
    const form = isSameOrigin(ctx) ? await readForm(ctx) : undefined;
    const session = ctx.state.session!;
    if (!sessions.checkFormToken(session, form?.get('formToken') ?? undefined)) {
      return sendHtml(
        ctx,
        403,
        ErrorPage({
          title: 'Not signed out',
          message: 'The form was not sent from this page; sign out again.',
          context: ctx.state.page,
        }),
      );
    }
    sessions.end(session.id);
    ctx.set('Set-Cookie', sessionCookieHeader(null, isHttps(ctx)));
    ctx.status = 303;
    ctx.redirect('/ui/sign-in');
  });

  const readModel = deps.readModel ?? openQueryReadModel(deps.readModelDb);
  createPageRoutes(router, requireSession, {
    store: deps.store,
    readModel,
    prove: createSignatureProver(deps.secrets),
    retentionDays: deps.retentionDays,
    clock,
  });
  return router;
}

/** Failures become an HTML page; details go to the log, never to the page. */
function renderErrors(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const expose = (error as { expose?: unknown }).expose === true;
      if (typeof status === 'number' && status >= 400 && status < 500 && expose) {
        return sendHtml(
          ctx,
          status,
          ErrorPage({ title: 'Cannot show this', message: (error as Error).message }),
        );
      }
      logger.error({ err: error, path: ctx.path }, 'viewer page failed');
      sendHtml(
        ctx,
        500,
        ErrorPage({
          title: 'Something went wrong',
          message: 'The page could not be built; the service log says why.',
        }),
      );
    }
  };
}
