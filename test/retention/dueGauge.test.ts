/**
 * `compilot_ledger_retention_customers{state}` on a real `serve` (child process, encryption at
 * rest, RETENTION_ENFORCE off): how many customers are due for erasure and how many a hold
 * keeps, the figure to alert on when erasing is a person's task.
 */
import t from 'tap';
import { notBuilt } from '../helpers/serviceProcess.js';
import {
  addPerson,
  command,
  createLedger,
  deliverJourney,
  eventually,
  serve,
} from '../helpers/erasureJourney.js';

const gauge = (state: string, value: number) =>
  new RegExp(`compilot_ledger_retention_customers\\{state="${state}"\\} ${value}\\n`);

void t.test(
  'the metric counts the customers due and the customers held, and follows a hold',
  { skip: notBuilt },
  async (t) => {
    const ledger = await createLedger(t);
    const due = addPerson(ledger);
    const recent = addPerson(ledger);
    const service = await serve(t, ledger, {});
    await deliverJourney(ledger, service.port, due, { deletedAt: '2019-01-01T00:00:00.000Z' });
    await deliverJourney(ledger, service.port, recent, { deletedAt: '2026-11-01T00:00:00.000Z' });
    const metrics = async () => (await service.get('/metrics')).body.toString('utf8');
    await eventually(
      async () => gauge('due', 1).test(await metrics()),
      'the deleted-long-ago customer counts as due',
      30_000,
    );
    t.match(await metrics(), gauge('held', 0));

    const held = await command(ledger, ['hold', due.id, '--reason', 'FIU request 2026/4']);
    t.equal(held.code, 0, held.stderr);
    await eventually(
      async () => gauge('held', 1).test(await metrics()),
      'the held customer moves from due to held',
      30_000,
    );
    t.match(await metrics(), gauge('due', 0));
    t.equal(await service.stop(), 0);
  },
);
