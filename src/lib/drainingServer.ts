/**
 * An HTTP server whose graceful close returns as soon as the requests in flight are answered.
 * `server.close()` alone only closes connections idle at that moment: a keep-alive connection
 * busy then (or a client that keeps sending on it, as load generators do) held the close until
 * the timeout. While closing, every answer carries `Connection: close` and each connection is
 * closed as soon as its answer is sent.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DrainingServer {
  readonly server: Server;
  /** Resolves with the port bound; rejects with the listen error (e.g. EADDRINUSE). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish, and cuts what is left after `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

export function createDrainingServer(handle: RequestListener): DrainingServer {
  let closing = false;
  const server = createServer((req, res) => {
    if (closing) res.setHeader('connection', 'close');
    res.once('finish', () => {
      // The connection becomes idle once the answer is out; close it then, not at the timeout.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    handle(req, res);
  });
  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close(timeoutMs) {
      closing = true;
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
