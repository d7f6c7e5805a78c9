/**
 * `compilot-ledger <command>`: the only place that reads the process environment (through
 * config.readEnvironment) and installs signal handlers; commands get both as arguments.
 */
import { ConfigError, readEnvironment } from '../config.js';
import { UsageError, type CliCommand, type CliDeps } from './deps.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: CliCommand }> }> = {
  serve: {
    summary: 'run the service (webhook ingress, projections, enrichment, query API)',
    load: () => import('./serve.js'),
  },
  dev: {
    summary: 'what `make run` runs: development secrets in .env, simulator, demo',
    load: () => import('./dev.js'),
  },
  simulate: {
    summary: 'local ComPilot API simulator and signed webhook journeys',
    load: () => import('./simulate.js'),
  },
  rebuild: {
    summary: 'rebuild projections into new tables, then switch (--refetch first re-pulls details)',
    load: () => import('./rebuildCommand.js'),
  },
  audit: {
    summary: "a customer's audit timeline (--as-of, --known-at, --verify)",
    load: () => import('./audit.js'),
  },
  reconcile: {
    summary: "compare ComPilot's customer list with the ledger and record what differs",
    load: () => import('./reconcile.js'),
  },
  verify: {
    summary: 'prove the log intact and complete (links, signatures, snapshots, --checkpoint)',
    load: () => import('./verify.js'),
  },
  checkpoint: {
    summary: 'sign a checkpoint of the store now (--public-key prints the verifying key)',
    load: () => import('./checkpoint.js'),
  },
  hold: {
    summary:
      "keep a customer's data past its retention period (--reason R [--until T]), or --release",
    load: () => import('./hold.js'),
  },
  offboard: {
    summary:
      'record the end of the business relationship with a customer (--at T --reason R), or withdraw it (--withdraw)',
    load: () => import('./offboard.js'),
  },
  retention: {
    summary:
      'list the customers whose retention period has passed (retention due), or where one stands (retention status <id>)',
    load: () => import('./retentionDue.js'),
  },
  erase: {
    summary:
      "erase a customer's personal data (crypto-shredding; --override before the period ends)",
    load: () => import('./erase.js'),
  },
  export: {
    summary: 'export a stream or the whole log (--format ndjson|csv)',
    load: () => import('./export.js'),
  },
  quarantine: {
    summary: 'list or replay quarantined deliveries',
    load: () => import('./quarantine.js'),
  },
  events: {
    summary: 'print stored events as NDJSON (--stream NAME | --all)',
    load: () => import('./events.js'),
  },
  'rotate-encryption-key': {
    summary: 're-wrap customer data keys under a new LEDGER_ENCRYPTION_KEY (events untouched)',
    load: () => import('./rotateEncryptionKey.js'),
  },
  'encrypt-store': {
    summary: 'encrypt a plaintext SQLite store in place, as a recorded, checkpointed migration',
    load: () => import('./encryptStore.js'),
  },
  version: {
    summary: 'print the version (also --version)',
    load: () => import('./version.js'),
  },
};

const USAGE = `usage: compilot-ledger <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(12)} ${summary}`)
  .join('\n')}

Run \`compilot-ledger <command> --help\` for a command's options.`;

// Whatever this process creates (stores, the read model, SQLite's -wal/-shm files, .env) holds
// personal data or secrets: owner-only (files 600, directories 700), also for files a library
// creates without asking. privateFile.ts sets the same modes explicitly where we create them.
process.umask(0o077);

// `compilot-ledger export --all | head` closes the pipe early: that is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name === '--version' || name === '-V' ? 'version' : name];
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal means "now": skip the graceful path.
    if (++signals > 1) process.exit(130);
    process.stderr.write(`received ${signal}, shutting down\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const deps: CliDeps = {
    env: readEnvironment(),
    stdout: process.stdout,
    stderr: process.stderr,
    stopSignal: stop.signal,
  };
  try {
    const { run } = await command.load();
    return await run(args, deps);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`compilot-ledger ${name}: ${error.message}\n`);
      return 78; // EX_CONFIG
    }
    if (error instanceof UsageError) {
      process.stderr.write(`compilot-ledger ${name}: ${error.message}\n(see --help)\n`);
      return 2;
    }
    if (stop.signal.aborted && (error as Error).name === 'AbortError') {
      return 0; // the user asked it to stop, and it did
    }
    process.stderr.write(`compilot-ledger ${name} failed: ${describeError(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The message and its causes' ("...: ENOTDIR: not a directory"), so the OS reason is shown. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error && parts.length < 5; e = e.cause) {
    if (!parts.some((part) => part.includes(e.message))) parts.push(e.message);
  }
  return parts.join(': ') || String(error);
}

process.exitCode = await main(process.argv.slice(2));
