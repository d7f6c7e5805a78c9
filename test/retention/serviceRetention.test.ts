/**
 * RETENTION_ENFORCE in `serve` (a child process with encryption at rest): due customers are
 * erased on the schedule with reason "retention period ended", counted in metrics, and logged
 * without personal data or customer ids.
 */
import t from 'tap';
import { notBuilt } from '../helpers/serviceProcess.js';
import {
  addPerson,
  command,
  createLedger,
  deliverJourney,
  eventually,
  personalStrings,
  serve,
} from '../helpers/erasureJourney.js';

void t.test(
  'serve with RETENTION_ENFORCE erases due customers on its schedule, and only those',
  { skip: notBuilt },
  async (t) => {
    const ledger = await createLedger(t);
    const due = addPerson(ledger);
    const recent = addPerson(ledger);
    const service = await serve(t, ledger, {
      RETENTION_ENFORCE: 'true',
      RETENTION_INTERVAL_MS: '1000',
      LOG_LEVEL: 'info',
    });
    await deliverJourney(ledger, service.port, due, { deletedAt: '2019-01-01T00:00:00.000Z' });
    await deliverJourney(ledger, service.port, recent, { deletedAt: '2026-11-01T00:00:00.000Z' });
    await eventually(
      async () => {
        const answer = await service.get(`/customers/${due.id}`);
        return answer.json<{ evidence: { erased?: unknown } }>().evidence.erased !== undefined;
      },
      'the schedule erased the due customer',
      60_000,
    );
    const recentAnswer = (await service.get(`/customers/${recent.id}`)).json();
    t.equal(
      recentAnswer.evidence && (recentAnswer.evidence as { erased?: unknown }).erased,
      undefined,
    );

    const audit = await command(ledger, ['audit', due.id]);
    t.match(audit.stdout, /by retention-schedule/);
    t.match(audit.stdout, /erasure reason: retention period ended/);

    const metrics = (await service.get('/metrics')).body.toString('utf8');
    t.match(metrics, /compilot_ledger_retention_erasures_total\{outcome="erased"\} 1\n/);
    t.match(metrics, /compilot_ledger_retention_erasures_total\{outcome="failed"\} 0\n/);

    t.equal(await service.stop(), 0);
    const logs = service.process.stdout();
    t.match(logs, /"msg":"retention run"/);
    const leaked = [...personalStrings(due), due.id].filter((s) => logs.includes(s));
    t.same(leaked, [], 'the logs name neither the customer nor its data');
  },
);
