import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createInMemoryEventStore } from '../../src/store/inMemoryEventStore.js';
import {
  CHECKPOINT_EVENT_TYPE,
  CHECKPOINT_STREAM,
  createLedgerStatusReader,
} from '../../src/ui/ledgerStatus.js';

function checkpoint(id: string, data: unknown) {
  return {
    id,
    type: CHECKPOINT_EVENT_TYPE,
    data: Buffer.from(JSON.stringify(data)),
    metadata: {},
  };
}

void t.test('without checkpoints or a report the status says neither exists', async (t) => {
  const store = createInMemoryEventStore();
  const read = createLedgerStatusReader({
    store,
    verifyReportPath: join(t.testdir({}), 'missing.json'),
  });
  t.same(await read(), { checkpoint: null, verify: null });
});

void t.test('the newest checkpoint and the verify report are read', async (t) => {
  const store = createInMemoryEventStore();
  await store.appendToStream(CHECKPOINT_STREAM, [
    checkpoint('0a4b5c6d-0000-4000-8000-000000000001', { position: '10', createdAt: 'T1' }),
    checkpoint('0a4b5c6d-0000-4000-8000-000000000002', { position: '20', createdAt: 'T2' }),
  ]);
  const path = join(t.testdir({}), 'report.json');
  writeFileSync(
    path,
    JSON.stringify({ ok: true, finishedAt: '2026-01-01T00:00:00Z', failures: 0 }),
  );
  const status = await createLedgerStatusReader({ store, verifyReportPath: path })();
  t.same(status.checkpoint, { position: '20', createdAt: 'T2' });
  t.same(status.verify, { ok: true, at: '2026-01-01T00:00:00Z', failures: 0 });
});

void t.test('unreadable checkpoint data or report reads as absent, not as an error', async (t) => {
  const store = createInMemoryEventStore();
  await store.appendToStream(CHECKPOINT_STREAM, [
    checkpoint('0a4b5c6d-0000-4000-8000-000000000003', { nothing: true }),
  ]);
  const path = join(t.testdir({}), 'report.json');
  writeFileSync(path, 'not json');
  t.same(await createLedgerStatusReader({ store, verifyReportPath: path })(), {
    checkpoint: null,
    verify: null,
  });
});
