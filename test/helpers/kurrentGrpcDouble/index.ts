/**
 * TEST DOUBLE of a KurrentDB server — NOT a store anyone could run. See ./README.md.
 *
 * A small gRPC server on 127.0.0.1 so the KurrentDB adapter runs through the real
 * `@kurrent/kurrentdb-client` (and its Rust read bridge) on every CI run, where no KurrentDB
 * server can run. Limits: single node (no gossip, no leader election, no NotLeader), plaintext
 * only (no TLS, no authentication or ACLs), in-memory (lost on stop), a subset of RPCs
 * (ServerFeatures.GetSupportedMethods, Streams.Read / Append / BatchAppend; no deletes,
 * metadata streams, projections or persistent subscriptions), and KurrentDB's idempotency rules
 * modelled from the documentation (./log.ts), not taken from the server.
 */
import { randomUUID } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import { createAppendHandler, createBatchAppendHandler } from './appendService.js';
import { createDoubleLog } from './log.js';
import type { DoubleLog, StoredEvent } from './log.js';
import { serverFeaturesGrpc, serverFeaturesPb, streamsGrpc } from './protocol.js';
import type { LiveSubscription } from './readService.js';
import { createReadHandler } from './readService.js';

export type { StoredEvent };

export interface KurrentGrpcDoubleOptions {
  /** List BatchAppend in ServerFeatures (as servers since 21.10 do). @defaultValue true */
  readonly advertiseBatchAppend?: boolean;
  /** Size of the recent-ids cache behind `any` appends. @defaultValue 10000 */
  readonly idempotencyCacheSize?: number;
}

export interface KurrentGrpcDouble {
  /** `kurrentdb://127.0.0.1:<port>?tls=false` */
  readonly connectionString: string;
  readonly port: number;
  /** What the double holds, in log order (system events included). */
  events(): readonly StoredEvent[];
  /** Writes an event the way the server writes its own (`$`-prefixed stream and type). */
  appendSystemEvent(streamName: string, type: string): void;
  /** Forgets recently written ids, as eviction or a restart does on a server. */
  clearIdempotencyCache(): void;
  /** Ends every live `$all` subscription with an error status. Returns how many it ended. */
  dropSubscriptions(code?: grpc.status): number;
  /** Live `$all` subscriptions right now (tests wait on this instead of sleeping). */
  liveSubscriptionCount(): number;
  /** For every `$all` subscription so far: the index in {@link events} of its first event. */
  subscriptionStarts(): readonly number[];
  /** Events sent by stream reads (not `$all`) since the double started. */
  streamEventsServed(): number;
  /** Calls received per Streams RPC (a BatchAppend call is one long-lived stream per client). */
  rpcCalls(): Readonly<Record<'read' | 'append' | 'batchAppend', number>>;
  /**
   * Another writer's event lands in `streamName` just before the next append to it is applied,
   * i.e. after the adapter has read the stream: the race the exact expected revision catches.
   */
  interleaveWrite(streamName: string): void;
  /** The next `count` appends fail with this status before reaching the log. */
  failNextAppends(count: number, code: grpc.status, details?: string): void;
  /** Stops listening; the log is kept so {@link start} can bring the same data back. */
  stop(): Promise<void>;
  /** Listens again on the same port after {@link stop}. */
  start(): Promise<void>;
}

export async function startKurrentGrpcDouble(
  options: KurrentGrpcDoubleOptions = {},
): Promise<KurrentGrpcDouble> {
  const log: DoubleLog = createDoubleLog({ cacheSize: options.idempotencyCacheSize });
  const live = new Set<LiveSubscription>();
  const starts: number[] = [];
  let streamEventsServed = 0;
  const rpcCalls = { read: 0, append: 0, batchAppend: 0 };
  const counted =
    <A extends unknown[]>(rpc: keyof typeof rpcCalls, handler: (...args: A) => void) =>
    (...args: A): void => {
      rpcCalls[rpc] += 1;
      handler(...args);
    };
  const faults: { code: grpc.status; details: string }[] = [];
  const take = () => faults.shift();
  const interleave = new Set<string>();
  const beforeAppend = (streamName: string) => {
    if (!interleave.delete(streamName)) return;
    log.append(streamName, { kind: 'any' }, [foreignEvent()]);
  };
  // A freshly started server has written its own events before any client connects.
  appendSystem(log, '$settings', '$settings');
  appendSystem(log, '$scavenges', '$scavengeIndexInitialized');

  let server: grpc.Server | undefined;
  let port = 0;

  async function listen(): Promise<void> {
    const next = new grpc.Server();
    next.addService(serverFeaturesGrpc.ServerFeaturesService, {
      getSupportedMethods: supportedMethods(options.advertiseBatchAppend ?? true),
    });
    next.addService(streamsGrpc.StreamsService, {
      read: counted(
        'read',
        createReadHandler(
          log,
          live,
          (firstIndex) => starts.push(firstIndex),
          (count) => (streamEventsServed += count),
        ),
      ),
      append: counted('append', createAppendHandler(log, { take, beforeAppend })),
      batchAppend: counted('batchAppend', createBatchAppendHandler(log, { take, beforeAppend })),
      delete: unimplemented,
      tombstone: unimplemented,
    });
    port = await new Promise<number>((resolve, reject) =>
      next.bindAsync(
        `127.0.0.1:${port}`,
        grpc.ServerCredentials.createInsecure(),
        (error, bound) => (error ? reject(error) : resolve(bound)),
      ),
    );
    server = next;
  }

  await listen();
  return {
    connectionString: `kurrentdb://127.0.0.1:${port}?tls=false`,
    port,
    events: () => log.all(),
    appendSystemEvent: (streamName, type) => appendSystem(log, streamName, type),
    clearIdempotencyCache: () => log.clearIdempotencyCache(),
    dropSubscriptions(code = grpc.status.ABORTED) {
      const dropped = [...live];
      for (const subscription of dropped) {
        subscription.drop(code, 'subscription dropped by the double');
      }
      return dropped.length;
    },
    liveSubscriptionCount: () => live.size,
    subscriptionStarts: () => starts,
    streamEventsServed: () => streamEventsServed,
    rpcCalls: () => ({ ...rpcCalls }),
    interleaveWrite: (streamName) => interleave.add(streamName),
    failNextAppends(count, code, details = 'injected by the double') {
      for (let i = 0; i < count; i += 1) faults.push({ code, details });
    },
    stop() {
      const current = server;
      server = undefined;
      if (current) {
        for (const subscription of [...live]) {
          subscription.drop(grpc.status.UNAVAILABLE, 'server stopping');
        }
        // Like a crashed node: open calls and connections end now, with no graceful drain.
        current.forceShutdown();
      }
      return Promise.resolve();
    },
    async start() {
      if (!server) await listen();
    },
  };
}

function foreignEvent() {
  return {
    id: randomUUID(),
    type: 'written.by.another.process',
    contentType: 'application/octet-stream',
    data: Buffer.from('other'),
    customMetadata: Buffer.from('{}'),
  };
}

function appendSystem(log: DoubleLog, streamName: string, type: string): void {
  log.append(streamName, { kind: 'any' }, [
    {
      id: randomUUID(),
      type,
      contentType: 'application/json',
      data: Buffer.from('{}'),
      customMetadata: new Uint8Array(),
    },
  ]);
}

function supportedMethods(advertiseBatchAppend: boolean) {
  return function getSupportedMethods(
    _call: grpc.ServerUnaryCall<unknown, unknown>,
    callback: grpc.sendUnaryData<InstanceType<typeof serverFeaturesPb.SupportedMethods>>,
  ): void {
    const streams = 'event_store.client.streams.streams';
    const methods = [
      [streams, 'read', ['position', 'events']],
      [streams, 'append', []],
      ...(advertiseBatchAppend ? [[streams, 'batchappend', []] as const] : []),
      ['event_store.client.server_features.serverfeatures', 'getsupportedmethods', []],
    ] as const;
    const response = new serverFeaturesPb.SupportedMethods();
    response.setEventStoreServerVersion('25.0.0');
    response.setMethodsList(
      methods.map(([service, method, features]) => {
        const supported = new serverFeaturesPb.SupportedMethod();
        supported.setServiceName(service);
        supported.setMethodName(method);
        supported.setFeaturesList([...features]);
        return supported;
      }),
    );
    callback(null, response);
  };
}

function unimplemented(_call: unknown, callback: grpc.sendUnaryData<never>): void {
  callback({ code: grpc.status.UNIMPLEMENTED, details: 'not implemented by the double' });
}
