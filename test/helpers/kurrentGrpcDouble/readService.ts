/**
 * TEST DOUBLE — `Streams.Read` of the KurrentDB gRPC double (see ./README.md): stream reads,
 * `$all` reads and `$all` catch-up subscriptions (confirmation, history, `caughtUp`, live). Both
 * the client's gRPC subscriptions and its Rust read bridge (`@kurrent/bridge`, a tonic gRPC
 * client) call this same RPC. Not modelled: stream subscriptions, link resolution, filtered
 * checkpoints, `fellBehind`, read ACLs.
 */
import grpc from '@grpc/grpc-js';
import type { DoubleLog, StoredEvent } from './log.js';
import { comparePositions } from './log.js';
import {
  readEventResponse,
  streamIdentifier,
  streamNameOf,
  streamsPb,
  timestampNow,
} from './protocol.js';

type ReadReq = InstanceType<typeof streamsPb.ReadReq>;
type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
type ReadOptions = InstanceType<typeof streamsPb.ReadReq.Options>;
type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>;

const Options = streamsPb.ReadReq.Options;

export interface LiveSubscription {
  /** Ends the call with an error status, as a server dropping a subscription does. */
  drop(code: grpc.status, details: string): void;
}

/**
 * @param onSubscribe told, for each `$all` subscription, the index in the log of the first event
 * it will send (so tests can see where a resubscription started).
 * @param onStreamRead told how many events each stream read sent (so tests can see read costs).
 */
export function createReadHandler(
  log: DoubleLog,
  live: Set<LiveSubscription>,
  onSubscribe: (firstIndex: number) => void,
  onStreamRead: (eventCount: number) => void,
) {
  return function read(call: ReadCall): void {
    const options = call.request.getOptions();
    if (!options) return fail(call, grpc.status.INVALID_ARGUMENT, 'read without options');
    const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
    const filter = eventFilter(options);
    const count =
      options.getCountOptionCase() === Options.CountOptionCase.COUNT
        ? Number(BigInt(options.getCount()))
        : Number.MAX_SAFE_INTEGER;
    const forwards = options.getReadDirection() === Options.ReadDirection.FORWARDS;

    if (options.hasStream()) {
      if (options.hasSubscription()) {
        return fail(call, grpc.status.UNIMPLEMENTED, 'the double has no stream subscriptions');
      }
      const streamOptions = options.getStream()!;
      const streamName = streamNameOf(streamOptions.getStreamIdentifier());
      const events = log.stream(streamName);
      if (!events) {
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamIdentifier(streamName));
        const response = new streamsPb.ReadResp();
        response.setStreamNotFound(notFound);
        call.write(response);
        call.end();
        return;
      }
      const Case = streamsPb.ReadReq.Options.StreamOptions.RevisionOptionCase;
      let selected: readonly StoredEvent[];
      if (forwards) {
        const from =
          streamOptions.getRevisionOptionCase() === Case.REVISION
            ? Number(BigInt(streamOptions.getRevision()))
            : streamOptions.getRevisionOptionCase() === Case.END
              ? events.length
              : 0;
        selected = events.slice(from);
      } else {
        const from =
          streamOptions.getRevisionOptionCase() === Case.REVISION
            ? Number(BigInt(streamOptions.getRevision()))
            : streamOptions.getRevisionOptionCase() === Case.START
              ? -1
              : events.length - 1;
        selected = events.slice(0, Math.max(0, from + 1)).reverse();
      }
      const served = selected.filter(filter).slice(0, count);
      onStreamRead(served.length);
      writeAll(call, served, structuredIds);
      return;
    }

    const allOptions = options.getAll();
    if (!allOptions)
      return fail(call, grpc.status.INVALID_ARGUMENT, 'read of neither a stream nor $all');
    const AllCase = streamsPb.ReadReq.Options.AllOptions.AllOptionCase;
    const start = allOptions.getAllOptionCase();
    const position =
      start === AllCase.POSITION
        ? {
            commit: BigInt(allOptions.getPosition()!.getCommitPosition()),
            prepare: BigInt(allOptions.getPosition()!.getPreparePosition()),
          }
        : undefined;
    const all = log.all();

    if (options.hasSubscription()) {
      // Subscriptions start *after* the given position (exclusive), reads *at* it (inclusive).
      const firstIndex =
        start === AllCase.END
          ? all.length
          : position
            ? all.findIndex((e) => comparePositions(e, position) > 0)
            : 0;
      const from = firstIndex < 0 ? all.length : firstIndex;
      onSubscribe(from);
      subscribe(call, log, live, from, filter, structuredIds);
      return;
    }

    let selected: readonly StoredEvent[];
    if (forwards) {
      selected =
        start === AllCase.END
          ? []
          : position
            ? all.filter((e) => comparePositions(e, position) >= 0)
            : all;
    } else {
      const upTo = position ? all.filter((e) => comparePositions(e, position) < 0) : all;
      selected = start === AllCase.START ? [] : [...upTo].reverse();
    }
    writeAll(call, selected.filter(filter).slice(0, count), structuredIds);
  };
}

function subscribe(
  call: ReadCall,
  log: DoubleLog,
  live: Set<LiveSubscription>,
  firstIndex: number,
  filter: (event: StoredEvent) => boolean,
  structuredIds: boolean,
): void {
  let next = firstIndex;
  let open = true;
  const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation();
  confirmation.setSubscriptionId(`double-${Math.random().toString(36).slice(2)}`);
  const confirm = new streamsPb.ReadResp();
  confirm.setConfirmation(confirmation);
  call.write(confirm);

  // Honour flow control like a server does: stop writing when the client stops reading.
  let waitingForDrain = false;
  const pushNew = () => {
    const all = log.all();
    while (open && !waitingForDrain && next < all.length) {
      const event = all[next]!;
      next += 1;
      if (filter(event) && !call.write(readEventResponse(event, structuredIds))) {
        waitingForDrain = true;
        call.once('drain', () => {
          waitingForDrain = false;
          pushNew();
          if (!sentCaughtUp) sendCaughtUp();
        });
      }
    }
  };
  let sentCaughtUp = false;
  const sendCaughtUp = () => {
    if (waitingForDrain || !open) return;
    sentCaughtUp = true;
    const caughtUp = new streamsPb.ReadResp.CaughtUp();
    caughtUp.setTimestamp(timestampNow());
    const last = log.all()[next - 1];
    if (last) {
      const position = new streamsPb.ReadResp.Position();
      position.setCommitPosition(last.commit.toString());
      position.setPreparePosition(last.prepare.toString());
      caughtUp.setPosition(position);
    }
    const response = new streamsPb.ReadResp();
    response.setCaughtUp(caughtUp);
    call.write(response);
  };
  pushNew();
  sendCaughtUp();

  const stopListening = log.onCommit(pushNew);
  const subscription: LiveSubscription = {
    drop(code, details) {
      close();
      call.emit('error', { code, details });
    },
  };
  live.add(subscription);
  function close(): void {
    open = false;
    stopListening();
    live.delete(subscription);
  }
  call.on('cancelled', close);
  call.on('close', close);
}

function eventFilter(options: ReadOptions): (event: StoredEvent) => boolean {
  if (options.getFilterOptionCase() !== Options.FilterOptionCase.FILTER) return () => true;
  const filter = options.getFilter()!;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier()! : filter.getEventType()!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const prefixes = expression.getPrefixList();
  return (event) => {
    const subject = onStream ? event.streamName : event.type;
    if (regex) return regex.test(subject);
    return prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix));
  };
}

function writeAll(call: ReadCall, events: readonly StoredEvent[], structuredIds: boolean): void {
  for (const event of events) call.write(readEventResponse(event, structuredIds));
  call.end();
}

function fail(call: ReadCall, code: grpc.status, details: string): void {
  call.emit('error', { code, details });
}
