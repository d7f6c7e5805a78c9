/**
 * Tampers that delete what the store wrote: events from the head, the start or the middle of a
 * stream, whole streams, streams rows and stored checkpoints.
 * Part of the tamper suite's list (test/helpers/tampers.ts).
 */
import { active, alert, change, gone, ROOT, rows, type Tamper } from './tamperTools.js';

export const REMOVING_TAMPERS: readonly Tamper[] = [
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
];
