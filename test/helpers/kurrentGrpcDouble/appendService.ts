/**
 * TEST DOUBLE — `Streams.Append` (client streaming) and `Streams.BatchAppend` (bidi) of the
 * KurrentDB gRPC double (see ./README.md). The client uses BatchAppend when ServerFeatures lists
 * it and no per-call credentials are given, Append otherwise; both end in the same modelled
 * log (./log.ts). Not modelled: deadlines, max append size, ACLs, leader forwarding.
 */
import grpc from '@grpc/grpc-js';
import type { AppendOutcome, DoubleLog, ProposedEvent, WireExpected } from './log.js';
import {
  anyPb,
  emptyPb,
  RPC_CODE_FAILED_PRECONDITION,
  sharedPb,
  statusPb,
  streamIdentifier,
  streamNameOf,
  streamsPb,
  toWireExpected,
  uuidToString,
} from './protocol.js';

type AppendReq = InstanceType<typeof streamsPb.AppendReq>;
type AppendResp = InstanceType<typeof streamsPb.AppendResp>;
type BatchAppendReq = InstanceType<typeof streamsPb.BatchAppendReq>;
type BatchAppendResp = InstanceType<typeof streamsPb.BatchAppendResp>;
type Proposed =
  | InstanceType<typeof streamsPb.AppendReq.ProposedMessage>
  | InstanceType<typeof streamsPb.BatchAppendReq.ProposedMessage>;

/** What tests can make the double do to an append before it reaches the log. */
export interface AppendFaults {
  /** A status to fail this append with, if a test asked for one. */
  take(): { code: grpc.status; details: string } | undefined;
  /** Called just before the append is applied (a test may write to the stream first). */
  beforeAppend(streamName: string): void;
}

function proposedEvent(message: Proposed): ProposedEvent {
  const metadata = message.getMetadataMap();
  return {
    id: uuidToString(message.getId()),
    type: metadata.get('type') ?? '',
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

export function createAppendHandler(log: DoubleLog, faults: AppendFaults) {
  return function append(
    call: grpc.ServerReadableStream<AppendReq, AppendResp>,
    callback: grpc.sendUnaryData<AppendResp>,
  ): void {
    let streamName: string | undefined;
    let expected: WireExpected = { kind: 'any' };
    const events: ProposedEvent[] = [];
    call.on('data', (request: AppendReq) => {
      const options = request.getOptions();
      if (options) {
        streamName = streamNameOf(options.getStreamIdentifier());
        const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
        const kinds = {
          [Case.REVISION]: 'revision',
          [Case.NO_STREAM]: 'no_stream',
          [Case.ANY]: 'any',
          [Case.STREAM_EXISTS]: 'stream_exists',
          [Case.EXPECTED_STREAM_REVISION_NOT_SET]: 'any',
        } as const;
        expected = toWireExpected(
          kinds[options.getExpectedStreamRevisionCase()],
          options.getRevision(),
        );
      }
      const proposed = request.getProposedMessage();
      if (proposed) events.push(proposedEvent(proposed));
    });
    call.on('end', () => {
      const fault = faults.take();
      if (fault) return callback(fault);
      if (streamName === undefined) {
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'append without options' });
      }
      faults.beforeAppend(streamName);
      callback(null, appendResponse(log.append(streamName, expected, events), expected));
    });
  };
}

function appendResponse(outcome: AppendOutcome, expected: WireExpected): AppendResp {
  const response = new streamsPb.AppendResp();
  if (outcome.kind === 'success') {
    const success = new streamsPb.AppendResp.Success();
    if (outcome.currentRevision < 0n) success.setNoStream(new sharedPb.Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.commit < 0n) success.setNoPosition(new sharedPb.Empty());
    else {
      const position = new streamsPb.AppendResp.Position();
      position.setCommitPosition(outcome.commit.toString());
      position.setPreparePosition(outcome.prepare.toString());
      success.setPosition(position);
    }
    response.setSuccess(success);
    return response;
  }
  const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
  if (outcome.currentRevision < 0n) wrong.setCurrentNoStream(new sharedPb.Empty());
  else wrong.setCurrentRevision(outcome.currentRevision.toString());
  if (expected.kind === 'revision') wrong.setExpectedRevision(expected.revision.toString());
  else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
  else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
  else wrong.setExpectedAny(new sharedPb.Empty());
  response.setWrongExpectedVersion(wrong);
  return response;
}

interface PendingBatch {
  streamName: string;
  expected: WireExpected;
  events: ProposedEvent[];
}

export function createBatchAppendHandler(log: DoubleLog, faults: AppendFaults) {
  return function batchAppend(
    call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>,
  ): void {
    const pending = new Map<string, PendingBatch>();
    call.on('data', (request: BatchAppendReq) => {
      const correlationId = uuidToString(request.getCorrelationId());
      let batch = pending.get(correlationId);
      const options = request.getOptions();
      if (!batch) {
        if (!options) {
          call.emit('error', {
            code: grpc.status.INVALID_ARGUMENT,
            details: 'first batch without options',
          });
          return;
        }
        const Case = streamsPb.BatchAppendReq.Options.ExpectedStreamPositionCase;
        const kinds = {
          [Case.STREAM_POSITION]: 'revision',
          [Case.NO_STREAM]: 'no_stream',
          [Case.ANY]: 'any',
          [Case.STREAM_EXISTS]: 'stream_exists',
          [Case.EXPECTED_STREAM_POSITION_NOT_SET]: 'any',
        } as const;
        batch = {
          streamName: streamNameOf(options.getStreamIdentifier()),
          expected: toWireExpected(
            kinds[options.getExpectedStreamPositionCase()],
            options.getStreamPosition(),
          ),
          events: [],
        };
        pending.set(correlationId, batch);
      }
      batch.events.push(...request.getProposedMessagesList().map(proposedEvent));
      if (!request.getIsFinal()) return;
      pending.delete(correlationId);
      const fault = faults.take();
      if (fault) {
        // A server that fails mid-stream ends the whole call; the client fails every pending append.
        call.emit('error', fault);
        return;
      }
      faults.beforeAppend(batch.streamName);
      const outcome = log.append(batch.streamName, batch.expected, batch.events);
      call.write(batchResponse(request, batch, outcome));
    });
    call.on('end', () => call.end());
  };
}

function batchResponse(
  request: BatchAppendReq,
  batch: PendingBatch,
  outcome: AppendOutcome,
): BatchAppendResp {
  const response = new streamsPb.BatchAppendResp();
  response.setCorrelationId(request.getCorrelationId());
  response.setStreamIdentifier(streamIdentifier(batch.streamName));
  const { expected } = batch;
  if (expected.kind === 'revision') response.setStreamPosition(expected.revision.toString());
  else if (expected.kind === 'no_stream') response.setNoStream(new emptyPb.Empty());
  else if (expected.kind === 'stream_exists') response.setStreamExists(new emptyPb.Empty());
  else response.setAny(new emptyPb.Empty());

  if (outcome.kind === 'success') {
    const success = new streamsPb.BatchAppendResp.Success();
    if (outcome.currentRevision < 0n) success.setNoStream(new emptyPb.Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.commit < 0n) success.setNoPosition(new emptyPb.Empty());
    else {
      const position = new sharedPb.AllStreamPosition();
      position.setCommitPosition(outcome.commit.toString());
      position.setPreparePosition(outcome.prepare.toString());
      success.setPosition(position);
    }
    response.setSuccess(success);
    return response;
  }

  const details = new sharedPb.WrongExpectedVersion();
  if (outcome.currentRevision < 0n) details.setCurrentNoStream(new emptyPb.Empty());
  else details.setCurrentStreamRevision(outcome.currentRevision.toString());
  if (expected.kind === 'revision') details.setExpectedStreamPosition(expected.revision.toString());
  else if (expected.kind === 'no_stream') details.setExpectedNoStream(new emptyPb.Empty());
  else if (expected.kind === 'stream_exists') details.setExpectedStreamExists(new emptyPb.Empty());
  else details.setExpectedAny(new emptyPb.Empty());
  const packed = new anyPb.Any();
  packed.pack(details.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  const status = new statusPb.Status();
  status.setCode(RPC_CODE_FAILED_PRECONDITION);
  status.setMessage('WrongExpectedVersion');
  status.setDetails(packed);
  response.setError(status);
  return response;
}
