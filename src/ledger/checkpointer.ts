/**
 * Makes signed checkpoints: reads the log forward from where it last stopped (keeping every
 * stream's head), signs the Merkle root as of the head position, and appends the checkpoint to
 * `ledger-checkpoints` with the expected revision of the checkpoint it chains to, so two
 * instances racing never fork the chain: the loser re-reads and chains to the winner. Then the
 * same line goes to the sink file outside the store (an anchor kept only inside the database
 * proves nothing about deletions).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { uuidv5 } from '../lib/uuidv5.js';
import {
  StreamRevisionConflictError,
  type EventStore,
  type ExpectedState,
} from '../store/eventStore.js';
import { readChainedRecord, type ChainedRecord } from './chainedRecord.js';
import {
  CHECKPOINT_EVENT_TYPE,
  CHECKPOINT_STREAM,
  CHECKPOINT_VERSION,
  checkpointHash,
  checkpointJson,
  GENESIS_CHECKPOINT_HASH,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
} from './checkpointFormat.js';
import type { SigningKey } from './signingKey.js';
import { StreamHeads } from './streamHeads.js';

export interface CheckpointerOptions {
  readonly store: EventStore;
  readonly key: SigningKey;
  /** NDJSON file each checkpoint is appended to (mode 600); omitted = store only. */
  readonly sink?: string;
  readonly clock?: () => Date;
  readonly logger?: Logger;
}

export interface CheckpointRequest {
  /** Sign one even when nothing but checkpoints was appended since the last. */
  readonly force?: boolean;
}

export interface Checkpointer {
  /** The new checkpoint, or undefined when the store is empty or (unless forced) unchanged. */
  checkpoint(request?: CheckpointRequest): Promise<Checkpoint | undefined>;
}

/** Races lost in a row before giving up (each loss means another instance just checkpointed). */
const MAX_ATTEMPTS = 10;
const PAGE = 5000;

export function createCheckpointer(options: CheckpointerOptions): Checkpointer {
  const { store, key, sink, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const heads = new StreamHeads();
  let readUpTo: string | undefined;
  let chained: ChainedRecord | undefined;
  let running: Promise<Checkpoint | undefined> | undefined;

  async function catchUp(): Promise<void> {
    for (;;) {
      const page = await store.readAll({ after: readUpTo, maxCount: PAGE });
      for (const event of page) heads.advance(event);
      if (page.length > 0) readUpTo = page.at(-1)!.position;
      if (page.length < PAGE) return;
    }
  }

  async function attempt(force: boolean): Promise<Checkpoint | undefined | 'retry'> {
    const [last] = await store.readStream(CHECKPOINT_STREAM, {
      direction: 'backwards',
      maxCount: 1,
    });
    const expected: ExpectedState = last === undefined ? 'no_stream' : last.revision;
    await catchUp();
    if (readUpTo === undefined) return undefined;
    if (!force && last !== undefined && readUpTo === last.position) return undefined;
    chained ??= await readChainedRecord(store);
    const position = readUpTo;
    const previous = last === undefined ? undefined : parseCheckpoint(last.data.toString('utf8'));
    const checkpoint = signCheckpoint(
      {
        version: CHECKPOINT_VERSION,
        position,
        streams: heads.size,
        merkleRoot: heads.root(),
        previousHash: previous === undefined ? GENESIS_CHECKPOINT_HASH : checkpointHash(previous),
        createdAt: clock().toISOString(),
        publicKeySha256: key.publicKeySha256,
        ...(chained !== undefined && chained.position <= position
          ? { chainedAfterTheFact: chained.range }
          : {}),
      },
      key,
    );
    const line = checkpointJson(checkpoint);
    try {
      await store.appendToStream(
        CHECKPOINT_STREAM,
        [
          {
            id: uuidv5(`checkpoint:${checkpointHash(checkpoint)}`),
            type: CHECKPOINT_EVENT_TYPE,
            data: Buffer.from(line, 'utf8'),
            metadata: {},
          },
        ],
        { expected },
      );
    } catch (error) {
      if (error instanceof StreamRevisionConflictError) return 'retry';
      throw error;
    }
    if (sink !== undefined) {
      mkdirSync(dirname(sink), { recursive: true });
      appendFileSync(sink, `${line}\n`, { mode: 0o600 });
    }
    logger?.info(
      { position, streams: checkpoint.streams, merkleRoot: checkpoint.merkleRoot },
      'checkpoint signed',
    );
    return checkpoint;
  }

  async function checkpoint(request: CheckpointRequest = {}): Promise<Checkpoint | undefined> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const result = await attempt(request.force ?? false);
      if (result !== 'retry') return result;
      logger?.debug('another instance checkpointed first; chaining to its checkpoint');
    }
    throw new Error(`lost the race for ${CHECKPOINT_STREAM} ${MAX_ATTEMPTS} times in a row`);
  }

  return {
    // One at a time per instance: the timer and shutdown must not race each other.
    checkpoint: (request) => {
      const next = (running ?? Promise.resolve(undefined))
        .catch(() => undefined)
        .then(() => checkpoint(request));
      running = next;
      return next;
    },
  };
}
