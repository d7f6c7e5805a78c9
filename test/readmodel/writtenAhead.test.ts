import { join } from 'node:path';
import t, { type Test } from 'tap';
import { projections } from '../../projections/index.js';
import {
  createGeneration,
  dropGeneration,
  findByState,
  prepareGenerations,
  resumable,
} from '../../src/readmodel/generations.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import {
  clearWrittenAhead,
  isWrittenAhead,
  markWrittenAhead,
} from '../../src/readmodel/writtenAhead.js';

const now = '2026-12-06T00:00:00.000Z';
const customerState = projections.find((p) => p.name === 'customer-state')!;

function open(t: Test) {
  const db = openReadModel(join(t.testdir({}), 'readmodel.db'));
  t.teardown(() => db.close());
  return db;
}

void t.test('a generation is written ahead from its mark until the mark is cleared', (t) => {
  const db = open(t);
  const build = createGeneration(db, customerState, 'building', now);
  t.notOk(isWrittenAhead(db, build), 'a new build is not');
  t.ok(resumable(db, build), 'so it can be resumed');

  markWrittenAhead(db, build);
  markWrittenAhead(db, build);
  t.ok(isWrittenAhead(db, build), 'marked (twice is once)');
  t.notOk(resumable(db, build), 'a build written ahead of its checkpoint cannot be resumed');

  clearWrittenAhead(db, build);
  t.notOk(isWrittenAhead(db, build), 'a full write clears it');
  t.ok(resumable(db, build));
  t.end();
});

void t.test('dropping a generation drops its mark with it', (t) => {
  const db = open(t);
  const build = createGeneration(db, customerState, 'building', now);
  markWrittenAhead(db, build);
  db.transaction(() => dropGeneration(db, build))();
  t.notOk(isWrittenAhead(db, build));
  t.equal(db.prepare('SELECT count(*) FROM projection_written_ahead').pluck().get(), 0);
  t.end();
});

void t.test('the service start builds a written-ahead build again instead of resuming it', (t) => {
  const db = open(t);
  const live = createGeneration(db, customerState, 'live', now);
  const build = createGeneration(db, customerState, 'building', now);
  markWrittenAhead(db, build);

  const prepared = prepareGenerations(db, [customerState], now);

  const again = findByState(db, 'customer-state', 'building')!;
  t.not(again.generation, build.generation, 'a new building generation');
  t.equal(again.checkpoint, null, 'which starts from the beginning of the log');
  t.notOk(isWrittenAhead(db, again));
  t.notOk(isWrittenAhead(db, build), 'the old one is gone, mark and all');
  t.same(
    prepared.building.map((g) => g.generation),
    [again.generation],
  );
  t.same(
    prepared.live.map((g) => g.generation),
    [live.generation],
    'the live generation keeps serving',
  );
  t.end();
});
