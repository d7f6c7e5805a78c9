/** Runs a request listener on 127.0.0.1 (ephemeral port) and posts raw bytes to it. */
import { once } from 'node:events';
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Accepts koa's `app.callback()` (which returns a promise) as well as a plain listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => unknown;

export async function startServer(listener: Listener): Promise<RunningServer> {
  const server = createServer((req, res) => void listener(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** The body parsed as JSON (throws when it is not). */
  json<T = Record<string, unknown>>(): T;
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length), in pieces of this size. */
  readonly chunkSize?: number;
}

/** The whole answer on `res`, once it has ended. */
export function readResponse(res: IncomingMessage): Promise<HttpResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      const bytes = Buffer.concat(chunks);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: bytes,
        json: <T>() => JSON.parse(bytes.toString('utf8')) as T,
      });
    });
  });
}

/** One request over a fresh connection; resolves with the whole answer. */
export function send(port: number, path: string, options: SendOptions = {}): Promise<HttpResponse> {
  const body =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(options.body, 'utf8');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[] | number> = { ...options.headers };
    if (body !== undefined && options.chunkSize === undefined)
      headers['content-length'] = body.length;
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers, agent: false },
      (res) => {
        res.on('error', reject);
        void readResponse(res).then(resolve);
      },
    );
    req.on('error', reject);
    if (body !== undefined && options.chunkSize !== undefined) {
      for (let offset = 0; offset < body.length; offset += options.chunkSize) {
        req.write(body.subarray(offset, offset + options.chunkSize));
      }
      req.end();
    } else {
      req.end(body);
    }
  });
}

export function post(
  port: number,
  path: string,
  body: Buffer | string,
  headers: Record<string, string | string[]> = {},
): Promise<HttpResponse> {
  return send(port, path, { method: 'POST', body, headers });
}
