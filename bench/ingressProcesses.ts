/**
 * bench:ingress's servers: each in a child process of its own (bench/ingressServer.ts), so the
 * load generator does not share its event loop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { secret } from './ingressDeliveries.js';

/** Connections autocannon keeps open to a server, in every measure. */
export const CONNECTIONS = 50;

export type Mode =
  | 'bare'
  | 'ingress'
  | 'minimal'
  | 'node-http'
  | 'ingress-inline'
  | 'ingress-no-chain'
  | 'ingress-plain';

export function startServer(mode: Mode): Promise<{ child: ChildProcess; port: number }> {
  const args =
    mode === 'ingress-inline'
      ? ['ingress', 'inline']
      : mode === 'ingress-no-chain'
        ? ['ingress', 'worker', 'no-chain']
        : mode === 'ingress-plain'
          ? ['ingress', 'worker', 'chain', 'plain']
          : [mode];
  const child = fork(fileURLToPath(new URL('./ingressServer.js', import.meta.url)), args, {
    env: { ...process.env, BENCH_WEBHOOK_SECRET: secret },
    execArgv: ['--enable-source-maps'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${mode} server exited early (${code})`)));
    child.on('message', (message: { type: string; port?: number }) => {
      if (message.type === 'ready') resolve({ child, port: message.port! });
    });
  });
}

export function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string }): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

/** Stops a server and waits for its process to end. */
export async function stopServer(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  child.send({ type: 'stop' });
  await once(child, 'exit');
}
