import { readFileSync } from 'node:fs';
import t from 'tap';
import { notBuilt, ROOT, spawnCli } from '../helpers/serviceProcess.js';
import { join } from 'node:path';

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

void t.test('--version and version print the package version', { skip: notBuilt }, async (t) => {
  for (const args of [['--version'], ['version'], ['-V']]) {
    const cli = spawnCli(args, { PORT: 'abc' }, t.testdir({}));
    t.equal(await cli.exited, 0, args.join(' '));
    t.equal(cli.stdout(), `${version}\n`, `${args.join(' ')} prints ${version}`);
  }
});

void t.test('the usage lists the version command', { skip: notBuilt }, async (t) => {
  const cli = spawnCli(['--help'], {}, t.testdir({}));
  t.equal(await cli.exited, 0);
  t.match(cli.stdout(), /^\s+version\s+print the version/m);
});
