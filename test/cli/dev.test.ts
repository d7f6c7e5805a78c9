import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';

void t.test(
  'dev (make run) generates .env, plays the demo through the simulator and stops on SIGINT',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir({});
    const cli = spawnCli(
      ['dev'],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
        READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
      },
      dir,
    );
    t.teardown(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    const deadline = Date.now() + 90_000;
    while (!cli.stdout().includes('Press Ctrl-C to stop.') && Date.now() < deadline) {
      if (cli.child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const out = cli.stdout();
    t.ok(existsSync(join(dir, '.env')), '.env was generated');
    const dotEnv = readFileSync(join(dir, '.env'), 'utf8');
    t.match(dotEnv, /^COMPILOT_WEBHOOK_SECRET=whsec_/m);
    t.match(dotEnv, /^QUERY_API_TOKENS=dev_/m);
    t.match(cli.stderr() + out, /built-in ComPilot SIMULATOR/, 'says the simulator is in use');
    t.match(out, /deliveries sent, 0 not acknowledged/);
    t.match(
      out,
      /event log now: \d+ webhooks, \d+ compilot\.customer\.details/,
      'snapshots landed',
    );
    t.match(out, /status Active, risk Low, onboarding Onboarded/, 'the demo customer is Active');
    t.match(out, /status - -> Active\s+Rules engine verification passed/, 'KYC history shown');
    t.match(out, /audit viewer\s+http:\/\/127\.0\.0\.1:\d+\/ui\//, 'prints the viewer address');
    t.match(out, /simulate send --target http:\/\/127\.0\.0\.1:\d+\/webhooks\/compilot/);
    cli.child.kill('SIGINT');
    t.equal(await cli.exited, 0, 'stops cleanly');
  },
);
