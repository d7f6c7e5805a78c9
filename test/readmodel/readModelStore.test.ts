import { join } from 'node:path';
import t from 'tap';
import { openReadModel } from '../../src/readmodel/readModelStore.js';

void t.test(
  'a read model sorts in temporary files, zeroes what it deletes and bounds its page cache',
  (t) => {
    const db = openReadModel(join(t.testdir({}), 'readmodel.db'));
    t.teardown(() => db.close());
    // 1 = FILE: the index builds at the end of a rebuild would otherwise sort in memory.
    t.equal(db.pragma('temp_store', { simple: true }), 1);
    t.equal(db.pragma('secure_delete', { simple: true }), 1);
    t.equal(db.pragma('cache_size', { simple: true }), -65536);
    t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    t.end();
  },
);
