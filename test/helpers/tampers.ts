/**
 * DELIBERATE TAMPERS for the tamper suite (test/ledger/tamper.test.ts): each one is what an
 * attacker with write access to the SQLite file could do once the triggers are dropped, and
 * the failure verify must name for it.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { openEnvelope, sealEnvelope } from '../../src/privacy/envelope.js';
import { openKeyStore } from '../../src/privacy/keyStore.js';
import { parseMasterKey } from '../../src/privacy/masterKey.js';
import type { PopulatedLedger } from './ledgerHarness.js';

export interface Tamper {
  readonly name: string;
  apply(db: Database.Database, ledger: PopulatedLedger): void;
  /** What verify's output must say. */
  readonly expect: RegExp;
}

interface Row {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
}

const active = (l: PopulatedLedger) => `customer-${l.activeCustomer}`;
const gone = (l: PopulatedLedger) => `customer-${l.deletedCustomer}`;
const alert = (l: PopulatedLedger) => `alert-${l.alertId}`;

function rows(db: Database.Database, stream: string): Row[] {
  return db
    .prepare<[string], Row>(
      'SELECT position, stream, revision, id, type FROM events WHERE stream = ? ORDER BY revision',
    )
    .all(stream);
}

function ofType(db: Database.Database, stream: string, type: string): Row {
  const row = rows(db, stream).find((r) => r.type === type);
  if (row === undefined) throw new Error(`no ${type} in ${stream}`);
  return row;
}

/** Runs `sql`; a tamper that changes nothing would prove nothing. */
function change(db: Database.Database, sql: string, ...params: unknown[]): void {
  const { changes } = db.prepare(sql).run(...params);
  if (changes < 1) throw new Error(`tamper changed nothing: ${sql}`);
}

/** Flips one character of a text column in place (a byte flip an editor would make). */
function flip(db: Database.Database, column: string, position: number): void {
  const value = db.prepare(`SELECT ${column} FROM events WHERE position = ?`).pluck().get(position);
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  const index = text.length - 3;
  const flipped = text.slice(0, index) + (text[index] === 'a' ? 'b' : 'a') + text.slice(index + 1);
  const next = Buffer.isBuffer(value) ? Buffer.from(flipped, 'utf8') : flipped;
  change(db, `UPDATE events SET ${column} = ? WHERE position = ?`, next, position);
}

/** Appends a row the way the store would (next position, streams row moved to it). */
function insertAtHead(
  db: Database.Database,
  stream: string,
  from: {
    type: string;
    id: string;
    data: Buffer;
    metadata: string;
    link: string | null;
    sha: string | null;
  },
): void {
  const revision = (rows(db, stream).at(-1)?.revision ?? -1) + 1;
  change(
    db,
    `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at, link, data_sha256)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    stream,
    revision,
    from.id,
    from.type,
    from.data,
    from.metadata,
    new Date().toISOString(),
    from.link,
    from.sha,
  );
  db.prepare(
    `INSERT INTO streams (stream, revision, head_link) VALUES (?, ?, ?)
     ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, head_link = excluded.head_link`,
  ).run(stream, revision, from.link);
}

/**
 * The attacker who also holds the key store and master key: the plaintext of a stored event and
 * a function that encrypts bytes for any event under the same data key.
 */
function withKeys(
  db: Database.Database,
  ledger: PopulatedLedger,
  position: number,
): { text: string; seal: (text: string, eventId: string, streamName: string) => Buffer } {
  const row = storedRow(db, position);
  const keyId = (JSON.parse(row.metadata) as { encryption: { keyId: string } }).encryption.keyId;
  const keys = openKeyStore({
    path: join(dirname(ledger.dbPath), 'keys.db'),
    master: parseMasterKey(ledger.env.LEDGER_ENCRYPTION_KEY!),
    readOnly: true,
  });
  try {
    const found = keys.lookup(keyId);
    if (found.state !== 'active') throw new Error(`no key ${keyId}`);
    const key = found.key.key;
    const binding = { eventId: row.id, streamName: rowStream(db, position) };
    return {
      text: openEnvelope(key, row.data, binding).toString('utf8'),
      seal: (text, eventId, streamName) =>
        sealEnvelope(key, Buffer.from(text), { eventId, streamName }),
    };
  } finally {
    keys.close();
  }
}

/** Decrypts an event's data with the ledger's keys, edits it, and stores it re-encrypted. */
function reencrypt(
  db: Database.Database,
  ledger: PopulatedLedger,
  position: number,
  edit: (text: string) => string,
): void {
  const { text, seal } = withKeys(db, ledger, position);
  const edited = edit(text);
  if (edited === text) throw new Error('tamper changed nothing');
  const row = storedRow(db, position);
  const sealed = seal(edited, row.id, rowStream(db, position));
  change(db, 'UPDATE events SET data = ? WHERE position = ?', sealed, position);
}

function rowStream(db: Database.Database, position: number): string {
  return db.prepare('SELECT stream FROM events WHERE position = ?').pluck().get(position) as string;
}

function storedRow(db: Database.Database, position: number) {
  return db
    .prepare(
      'SELECT type, id, data, metadata, link, data_sha256 AS sha FROM events WHERE position = ?',
    )
    .get(position) as {
    type: string;
    id: string;
    data: Buffer;
    metadata: string;
    link: string | null;
    sha: string | null;
  };
}

const ROOT =
  /FAIL checkpoint: Merkle root as of position \d+ is [0-9a-f]{64}, the checkpoint signed/;
const LINK =
  /FAIL link: \S+ revision \d+ \(position \d+, event [-0-9a-f]+\): the stored link does not match/;

export const TAMPERS: readonly Tamper[] = [
  {
    name: 'the last event of a stream deleted',
    apply: (db, l) =>
      change(db, 'DELETE FROM events WHERE position = ?', rows(db, active(l)).at(-1)!.position),
    expect: ROOT,
  },
  {
    name: 'the first event of a stream deleted',
    apply: (db, l) =>
      change(db, 'DELETE FROM events WHERE position = ?', rows(db, active(l))[0]!.position),
    expect: /FAIL revision: customer-\S+ revision 1 .*revision 1 where 0 was expected/,
  },
  {
    name: 'an event in the middle of a stream deleted',
    apply: (db, l) =>
      change(db, 'DELETE FROM events WHERE position = ?', rows(db, alert(l))[1]!.position),
    expect: /FAIL revision: alert-\S+ revision 2 .*revision 2 where 1 was expected/,
  },
  {
    name: 'a whole stream deleted with its streams row',
    apply: (db, l) => {
      change(db, 'DELETE FROM events WHERE stream = ?', gone(l));
      change(db, 'DELETE FROM streams WHERE stream = ?', gone(l));
    },
    expect: /streams as of position \d+, the checkpoint signed \d+: a stream was deleted or added/,
  },
  {
    name: 'a whole stream deleted, its streams row kept',
    apply: (db, l) => change(db, 'DELETE FROM events WHERE stream = ?', gone(l)),
    expect:
      /FAIL store: customer-\S+: the streams table says revision \d+ but the stream has no events left/,
  },
  {
    name: 'the last quarantine entry deleted',
    apply: (db) =>
      change(db, 'DELETE FROM events WHERE position = ?', rows(db, 'quarantine').at(-1)!.position),
    expect: ROOT,
  },
  {
    name: 'a signed customer.updated retyped as customer.deleted',
    apply: (db, l) =>
      change(
        db,
        "UPDATE events SET type = 'customer.deleted' WHERE position = ?",
        ofType(db, active(l), 'customer.updated').position,
      ),
    expect:
      /FAIL webhook: customer-\S+ revision \d+ .*type customer.deleted but the signed body says eventType "customer.updated"/,
  },
  {
    name: 'recorded_at moved a year back',
    apply: (db, l) =>
      change(
        db,
        "UPDATE events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE position = ?",
        ofType(db, active(l), 'customer.updated').position,
      ),
    expect:
      /FAIL store: .*recorded_at goes back in time by more than 5 minutes or is not a UTC time/,
  },
  {
    name: 'metadata receivedAt changed',
    apply: (db, l) =>
      change(
        db,
        "UPDATE events SET metadata = json_set(metadata, '$.receivedAt', '2020-01-01T00:00:00.000Z') WHERE position = ?",
        ofType(db, active(l), 'customer.created').position,
      ),
    expect: LINK,
  },
  {
    name: 'svixId removed from metadata',
    apply: (db, l) =>
      change(
        db,
        "UPDATE events SET metadata = json_remove(metadata, '$.svixId') WHERE position = ?",
        ofType(db, active(l), 'send.scenario').position,
      ),
    expect:
      /FAIL webhook: customer-\S+ .*a webhook event \(send.scenario\) without a string svixId/,
  },
  {
    name: 'svixId made a number',
    apply: (db, l) =>
      change(
        db,
        "UPDATE events SET metadata = json_set(metadata, '$.svixId', 42) WHERE position = ?",
        ofType(db, alert(l), 'alert.created').position,
      ),
    expect: /FAIL webhook: alert-\S+ .*a webhook event \(alert.created\) without a string svixId/,
  },
  {
    // The store holds ciphertext: this attacker also holds the key store and master key,
    // decrypts, edits and re-encrypts under the same data key. The link still catches it.
    name: 'a details snapshot body edited (Active -> Rejected) and re-encrypted',
    apply: (db, l) =>
      reencrypt(db, l, ofType(db, active(l), 'compilot.customer.details').position, (text) =>
        text.replace('"Active"', '"Rejected"'),
      ),
    expect:
      /FAIL link: customer-\S+ revision \d+ .*the stored data no longer hashes to its recorded dataSha256/,
  },
  {
    name: 'a forged details snapshot with a refetchRunId appended',
    apply: (db, l) => {
      const real = storedRow(db, ofType(db, active(l), 'compilot.customer.details').position);
      const metadata = JSON.stringify({
        apiPath: '/x',
        fetchedAt: new Date().toISOString(),
        httpStatus: 200,
        refetchRunId: 'run-1',
      });
      insertAtHead(db, active(l), {
        ...real,
        id: '11111111-1111-5111-8111-111111111111',
        metadata,
        link: null,
        sha: null,
      });
    },
    expect: /FAIL causation: customer-\S+ revision \d+ .*no causation recorded/,
  },
  {
    name: "a signed event copied from one customer's stream into another's",
    // With the keys, re-encrypted for its new place (without them, see the ciphertext tampers).
    apply: (db, l) => {
      const position = ofType(db, active(l), 'customer.updated').position;
      const real = storedRow(db, position);
      const { text, seal } = withKeys(db, l, position);
      insertAtHead(db, gone(l), { ...real, data: seal(text, real.id, gone(l)) });
    },
    expect:
      /FAIL webhook: customer-\S+ revision \d+ .*stored in customer-\S+ but the signed body routes to customer-/,
  },
  {
    name: 'a forged webhook event with a copied signature appended to a new stream',
    apply: (db, l) => {
      const position = ofType(db, alert(l), 'alert.created').position;
      const real = storedRow(db, position);
      const { text, seal } = withKeys(db, l, position);
      const id = '22222222-2222-5222-8222-222222222222';
      const forged = text.replace(l.alertId, 'alrt_forged00001');
      insertAtHead(db, 'alert-alrt_forged00001', {
        ...real,
        id,
        data: seal(forged, id, 'alert-alrt_forged00001'),
      });
    },
    expect:
      /FAIL signature: alert-alrt_forged00001 revision 0 .*signature invalid \(body-sha256-mismatch\)/,
  },
  {
    name: 'two events of a stream reordered (positions swapped)',
    apply: (db, l) => {
      const [, first, second] = rows(db, active(l));
      change(db, 'UPDATE events SET position = -1 WHERE position = ?', first!.position);
      change(
        db,
        'UPDATE events SET position = ? WHERE position = ?',
        first!.position,
        second!.position,
      );
      change(db, 'UPDATE events SET position = ? WHERE position = -1', second!.position);
    },
    expect: /FAIL revision: customer-\S+ revision 2 .*revision 2 where 1 was expected/,
  },
  {
    name: 'metadata gained a field',
    apply: (db, l) =>
      change(
        db,
        "UPDATE events SET metadata = json_set(metadata, '$.note', 'approved') WHERE position = ?",
        ofType(db, gone(l), 'customer.created').position,
      ),
    expect: LINK,
  },
  {
    name: 'the streams row of a stream deleted',
    apply: (db, l) => change(db, 'DELETE FROM streams WHERE stream = ?', alert(l)),
    expect:
      /FAIL store: alert-\S+: stream has events up to revision \d+ but no row in the streams table/,
  },
  {
    name: 'the last stored checkpoint deleted',
    apply: (db) =>
      change(
        db,
        'DELETE FROM events WHERE position = ?',
        rows(db, 'ledger-checkpoints').at(-1)!.position,
      ),
    expect:
      /FAIL checkpoint: the checkpoint at position \d+ is not in the store's ledger-checkpoints stream/,
  },
  {
    name: 'byte flip in the position column (an event moved up the log)',
    apply: (db, l) =>
      change(
        db,
        'UPDATE events SET position = position + 1000 WHERE position = ?',
        rows(db, active(l))[1]!.position,
      ),
    expect: /FAIL store: \(position \d+\): global positions jump from \d+ to \d+/,
  },
  {
    name: 'byte flip in the stream column',
    apply: (db, l) => flip(db, 'stream', rows(db, alert(l))[1]!.position),
    expect: /FAIL revision: alert-\S+ revision 1 .*revision 1 where 0 was expected/,
  },
  {
    name: 'byte flip in the revision column',
    apply: (db, l) =>
      change(
        db,
        'UPDATE events SET revision = revision + 8 WHERE position = ?',
        rows(db, alert(l)).at(-1)!.position,
      ),
    expect: /FAIL revision: alert-\S+ revision \d+ .*where \d+ was expected/,
  },
  {
    name: 'byte flip in the id column',
    apply: (db, l) => flip(db, 'id', ofType(db, active(l), 'send.verification.flow').position),
    // The ciphertext is bound to its event id: the id change fails authentication first.
    expect: /FAIL encryption: customer-\S+ .*fails AES-GCM authentication/,
  },
  {
    name: 'byte flip in the type column of a snapshot',
    apply: (db, l) => flip(db, 'type', ofType(db, gone(l), 'compilot.customer.not-found').position),
    expect: LINK,
  },
  {
    name: 'byte flip in the data column of a webhook',
    apply: (db, l) => flip(db, 'data', ofType(db, alert(l), 'alert.updated').position),
    expect: /FAIL encryption: alert-\S+ revision 1 .*fails AES-GCM authentication/,
  },
  {
    name: 'byte flip in the metadata column',
    apply: (db, l) => flip(db, 'metadata', ofType(db, active(l), 'customer.created').position),
    expect: LINK,
  },
  {
    name: 'byte flip in the recorded_at column',
    apply: (db, l) => flip(db, 'recorded_at', rows(db, active(l))[0]!.position),
    expect:
      /FAIL store: .*recorded_at goes back in time by more than 5 minutes or is not a UTC time/,
  },
  {
    name: 'byte flip in the link column',
    apply: (db) => flip(db, 'link', rows(db, 'quarantine')[0]!.position),
    expect: LINK,
  },
  {
    name: 'byte flip in the data_sha256 column',
    apply: (db, l) => flip(db, 'data_sha256', ofType(db, alert(l), 'alert.deleted').position),
    expect: /FAIL link: alert-\S+ .*the stored data no longer hashes to its recorded dataSha256/,
  },
  // Encryption at rest: the ciphertext itself (src/privacy/). The digest is recomputed so the
  // GCM tag, not only the link, has to catch it.
  {
    name: 'a ciphertext byte flipped, its dataSha256 recomputed',
    apply: (db, l) => {
      const row = ofType(db, active(l), 'customer.created');
      const { data } = storedRow(db, row.position);
      const changed = Buffer.from(data);
      changed[20] = (changed[20] ?? 0) ^ 0x01;
      change(
        db,
        'UPDATE events SET data = ?, data_sha256 = ? WHERE position = ?',
        changed,
        createHash('sha256').update(changed).digest('hex'),
        row.position,
      );
    },
    expect: /FAIL encryption: customer-\S+ revision 0 .*fails AES-GCM authentication/,
  },
  {
    name: "one event's ciphertext copied onto another event of the same customer",
    apply: (db, l) => {
      const [first, second] = rows(db, active(l));
      const { data } = storedRow(db, first!.position);
      change(
        db,
        'UPDATE events SET data = ?, data_sha256 = ? WHERE position = ?',
        data,
        createHash('sha256').update(data).digest('hex'),
        second!.position,
      );
    },
    expect: /FAIL encryption: customer-\S+ revision 1 .*moved from another event/,
  },
];
