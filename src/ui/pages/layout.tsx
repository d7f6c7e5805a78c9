/** The frame of every page: head, skip link, navigation, ledger status, sign-out. */
import type { ComponentChildren } from 'preact';
import type { LedgerStatus } from '../ledgerStatus.js';

/** What every signed-in page knows besides its own data. */
export interface PageContext {
  readonly formToken: string;
  readonly ledger: LedgerStatus;
  readonly version: string;
  /** When the page was generated (ISO). */
  readonly generatedAt: string;
}

/** The main navigation: section, address, label. */
const SECTIONS = [
  ['customers', '/ui/', 'Customers'],
  ['alerts', '/ui/alerts', 'Alerts'],
  ['retention', '/ui/retention', 'Retention'],
] as const;
type Section = (typeof SECTIONS)[number][0];

export function Layout(props: {
  title: string;
  context?: PageContext;
  current?: Section;
  children: ComponentChildren;
}) {
  const { context } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · compilot-ledger audit viewer`}</title>
        <link rel="stylesheet" href="/ui/assets/ui.css" />
        <script src="/ui/assets/ui.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <p class="brand">compilot-ledger · audit viewer</p>
          {context && (
            <nav aria-label="Main">
              <ul>
                {SECTIONS.map(([section, href, label]) => (
                  <li key={section}>
                    <a href={href} aria-current={props.current === section ? 'page' : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
              <form method="post" action="/ui/sign-out" class="sign-out">
                <input type="hidden" name="formToken" value={context.formToken} />
                <button type="submit">Sign out</button>
              </form>
            </nav>
          )}
        </header>
        {context && <LedgerStatusBar status={context.ledger} />}
        <main id="main" tabIndex={-1}>
          {props.children}
        </main>
        {context && (
          <footer class="site">
            compilot-ledger {context.version} · page generated{' '}
            <time dateTime={context.generatedAt}>{context.generatedAt}</time>
          </footer>
        )}
      </body>
    </html>
  );
}

export function LedgerStatusBar({ status }: { status: LedgerStatus }) {
  const { checkpoint, verify } = status;
  return (
    <section class="ledger-status" aria-label="Ledger status">
      <p>
        <strong>Last checkpoint:</strong>{' '}
        {checkpoint ? (
          <>
            position <code>{checkpoint.position}</code>
            {checkpoint.createdAt && (
              <>
                {' '}
                at <time dateTime={checkpoint.createdAt}>{checkpoint.createdAt}</time>
              </>
            )}
          </>
        ) : (
          'no checkpoint yet'
        )}
      </p>
      <p>
        <strong>Last verify:</strong>{' '}
        {verify ? (
          <>
            <span class={`badge ${verify.ok ? 'badge-valid' : 'badge-invalid'}`}>
              {verify.ok ? 'passed' : 'FAILED'}
            </span>
            {verify.failures !== null && ` ${verify.failures} failure(s)`}
            {verify.at && (
              <>
                {' '}
                at <time dateTime={verify.at}>{verify.at}</time>
              </>
            )}
          </>
        ) : (
          'never verified'
        )}
      </p>
    </section>
  );
}

/** A time shown as text (`2025-03-05 10:00:00Z`, ISO in `datetime`), or a dash. */
export function Time({ value }: { value: string | null | undefined }) {
  return value ? (
    <time dateTime={value}>{value.replace('T', ' ').replace(/\.000Z$/, 'Z')}</time>
  ) : (
    <span class="none">—</span>
  );
}

/** A value or a dash. */
export function Value({ value }: { value: string | null | undefined }) {
  return value === null || value === undefined || value === '' ? (
    <span class="none">—</span>
  ) : (
    <>{value}</>
  );
}
