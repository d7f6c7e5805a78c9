/**
 * Tampers at the byte level of the SQLite file, as a hex editor would make them: one byte flipped
 * in each column of the events table, and ciphertext flipped or copied without the keys.
 * Part of the tamper suite's list (test/helpers/tampers.ts).
 */
import { createHash } from 'node:crypto';
import {
  active,
  alert,
  change,
  flip,
  gone,
  LINK,
  ofType,
  rows,
  storedRow,
  type Tamper,
} from './tamperTools.js';

export const BYTE_FLIP_TAMPERS: readonly Tamper[] = [
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
