/**
 * An error that carries its HTTP answer. Thrown by ingress middleware and query handlers and
 * mapped to a response only by {@link handleErrors}, the one error mapper of both routers. Follows koa's `expose` rule: 4xx messages are shown to the
 * client, 5xx messages never are.
 */
export class HttpError extends Error {
  readonly expose: boolean;
  constructor(
    readonly status: number,
    message: string,
    readonly options: {
      /** Extra fields of the JSON body next to `error` (e.g. a rejection `reason`). */
      readonly details?: Readonly<Record<string, unknown>>;
      readonly headers?: Readonly<Record<string, string>>;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.expose = status < 500;
  }
}

/** A query parameter that does not hold what the route needs: 400 naming it. */
export function badParameter(name: string, problem: string): HttpError {
  return new HttpError(400, `parameter ${name} ${problem}`);
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}
