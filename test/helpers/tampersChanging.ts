/**
 * Tampers that edit stored values with SQL (types, timestamps, metadata fields, positions) or,
 * with the keys, decrypt, edit and re-encrypt an event's data.
 * Part of the tamper suite's list (test/helpers/tampers.ts).
 */
import { reencrypt } from './tamperKeys.js';
import { active, alert, change, gone, LINK, ofType, rows, type Tamper } from './tamperTools.js';

export const CHANGING_TAMPERS: readonly Tamper[] = [
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
];
