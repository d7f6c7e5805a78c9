/** The sign-in page: one field, the query API token, exchanged for a session cookie. */
import { Layout } from './layout.js';

export function SignInPage(props: { error?: string; disabled?: boolean }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      {props.disabled ? (
        <p class="notice" role="alert">
          The audit viewer is disabled: no <code>QUERY_API_TOKENS</code> are configured on this
          service.
        </p>
      ) : (
        <form method="post" action="/ui/sign-in" class="card sign-in">
          <p>
            Paste one of the service's query API tokens (<code>QUERY_API_TOKENS</code>). It is
            exchanged for a session that ends after 8 hours or when you sign out; the token is not
            kept in the browser.
          </p>
          {props.error && (
            <p class="error" role="alert" id="sign-in-error">
              {props.error}
            </p>
          )}
          <label for="token">Query API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            required
            aria-describedby={props.error ? 'sign-in-error' : undefined}
          />
          <button type="submit">Sign in</button>
        </form>
      )}
    </Layout>
  );
}
