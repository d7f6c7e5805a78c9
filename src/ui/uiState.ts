/**
 * What the viewer's middleware leaves on `ctx.state` for its pages. A module of its own so that
 * the router and the page routes it mounts both use it without importing each other.
 */
import type { PageContext } from './pages/layout.js';
import type { Session } from './session.js';

export interface UiState {
  session?: Session;
  page?: PageContext;
}
