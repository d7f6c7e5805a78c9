import { statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ERASED_EVENT_TYPE } from '../../src/events/retentionEvents.js';
import { createErasureWal } from '../../src/projector/erasureWal.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import type { RecordedEvent } from '../../src/store/eventStore.js';
import { silent } from '../helpers/projectionHarness.js';

const event = (type: string) => ({ type }) as RecordedEvent;

void t.test(
  'the read model WAL is emptied once an applied erasure is caught up with, not while a rebuild writes',
  (t) => {
    const path = join(t.testdir(), 'readmodel.db');
    const db = openReadModel(path);
    t.teardown(() => db.close());
    db.exec('CREATE TABLE pages (doc TEXT)');
    const walBytes = () => {
      db.prepare('INSERT INTO pages VALUES (?)').run('x'.repeat(10_000));
      return statSync(`${path}-wal`).size;
    };
    let rebuilding = false;
    const wal = createErasureWal(db, silent, () => rebuilding);

    t.ok(walBytes() > 0, 'writes go to the WAL');
    wal.applied([event('customer.updated')]);
    wal.caughtUp();
    t.ok(statSync(`${path}-wal`).size > 0, 'no erasure: left alone');

    wal.applied([event('customer.updated'), event(ERASED_EVENT_TYPE)]);
    rebuilding = true;
    wal.caughtUp();
    t.ok(statSync(`${path}-wal`).size > 0, 'a rebuild is writing: later');
    rebuilding = false;
    wal.caughtUp();
    t.equal(statSync(`${path}-wal`).size, 0, 'emptied');

    t.ok(walBytes() > 0, 'written again');
    wal.caughtUp();
    t.ok(statSync(`${path}-wal`).size > 0, 'once per erasure');
    t.end();
  },
);
