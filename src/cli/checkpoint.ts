/**
 * `compilot-ledger checkpoint`: signs a checkpoint of the store now (appended to the store's
 * `ledger-checkpoints` stream and to CHECKPOINT_SINK) and prints it as one JSON line;
 * `--public-key` prints the public key auditors verify with.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig, loadLedgerConfig } from '../config.js';
import { createCheckpointer } from '../ledger/checkpointer.js';
import { checkpointJson } from '../ledger/checkpointFormat.js';
import { publicKeyPem } from '../ledger/signingKey.js';
import { parseCommandArgs, usageError, withLedger } from './auditSupport.js';
import type { CliDeps } from './deps.js';
import { writeLine } from './output.js';

export const USAGE = `usage: compilot-ledger checkpoint [--out FILE] | --public-key

Signs a checkpoint of the event store with LEDGER_SIGNING_KEY: the global position, the number
of streams and the Merkle root over every stream's head link, chained to the previous
checkpoint. It is appended to the store's ledger-checkpoints stream and to CHECKPOINT_SINK
(default data/checkpoints.ndjson), and printed as one JSON line. See docs/ledger.md.

  --out FILE     also append the checkpoint line to FILE (mode 600)
  --public-key   print the public key (PEM) that verifies the checkpoints, and nothing else

Exit codes: 0 ok, 1 no signing key, no store or an empty one, 2 usage error.`;

const OPTIONS = {
  out: { type: 'string' },
  'public-key': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], deps: CliDeps): Promise<number> {
  const parsed = parseCommandArgs(deps, args, OPTIONS, false, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (values['public-key'] && values.out !== undefined) {
    return usageError(deps, '--public-key takes no --out', USAGE);
  }
  const ledger = loadLedgerConfig(deps.env);
  if (ledger.signingKey === undefined) {
    deps.stderr.write('checkpoint: LEDGER_SIGNING_KEY is not set\n');
    return 1;
  }
  const key = ledger.signingKey;
  if (values['public-key']) {
    deps.stdout.write(publicKeyPem(key.publicKey));
    return 0;
  }
  const { eventStore } = loadConfig(deps.env);
  if (eventStore.kind === 'sqlite' && !existsSync(eventStore.path)) {
    deps.stderr.write(`checkpoint: no event store at ${eventStore.path}\n`);
    return 1;
  }
  return withLedger(
    deps,
    async ({ store, logger }) => {
      const checkpointer = createCheckpointer({
        store,
        key,
        sink: ledger.checkpointSink,
        logger,
      });
      const checkpoint = await checkpointer.checkpoint({ force: true });
      if (checkpoint === undefined) {
        deps.stderr.write('checkpoint: the event store is empty, there is nothing to sign\n');
        return 1;
      }
      const line = checkpointJson(checkpoint);
      if (values.out !== undefined) {
        mkdirSync(dirname(values.out), { recursive: true });
        appendFileSync(values.out, `${line}\n`, { mode: 0o600 });
      }
      await writeLine(deps.stdout, line);
      return 0;
    },
    { readOnly: false },
  );
}
