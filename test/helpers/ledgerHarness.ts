/**
 * A populated ledger for tamper tests: the real service (in-process, real HTTP on 127.0.0.1,
 * real SQLite file) with enrichment against the built-in ComPilot simulator, fed svix-signed
 * webhooks of all 8 types plus two quarantined deliveries and a svix-id conflict, until the
 * details and not-found
 * snapshots are written; then closed (its shutdown checkpoint goes to the sink).
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import { loadConfig, loadLedgerConfig } from '../../src/config.js';
import { DETAILS_EVENT_TYPE, NOT_FOUND_EVENT_TYPE } from '../../src/events/types.js';
import { WEBHOOK_PATH } from '../../src/ingress/app.js';
import { generateSigningKeyBase64 } from '../../src/ledger/signingKey.js';
import { createLogger } from '../../src/lib/logger.js';
import { startService } from '../../src/service.js';
import {
  alertWebhook,
  customerWebhook,
  scenarioWebhook,
  unknownTypeWebhook,
  verificationFlowWebhook,
} from '../../src/simulator/bodies.js';
import { post } from './httpServer.js';
import { generateSecret, signDelivery } from './signWebhook.js';
import { addActiveCustomer, startSimulator, waitFor } from './simulatorHarness.js';
import { ENCRYPTION_ENV } from './encryptionKey.js';

export interface PopulatedLedger {
  readonly dbPath: string;
  readonly sinkPath: string;
  /** Environment for CLI child processes on this ledger. */
  readonly env: Record<string, string>;
  /** Customer with every kind of event and a details snapshot. */
  readonly activeCustomer: string;
  /** Customer created then deleted (a not-found snapshot). */
  readonly deletedCustomer: string;
  readonly alertId: string;
  /** Personal data of the active customer as ComPilot sends it (name, email, wallet). */
  readonly personalData: readonly string[];
}

/** `extraEnv` overrides the service's settings (e.g. LEDGER_ENCRYPTION=off for a plaintext store). */
export async function populateLedger(
  t: Test,
  dir: string,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<PopulatedLedger> {
  const { api, state, apiKey } = await startSimulator(t);
  const secret = generateSecret();
  const dbPath = join(dir, 'events.db');
  const sinkPath = join(dir, 'checkpoints.ndjson');
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...ENCRYPTION_ENV,
    EVENT_STORE_URL: `sqlite:${dbPath}`,
    READ_MODEL_URL: `sqlite:${join(dir, 'readmodel.db')}`,
    COMPILOT_WEBHOOK_SECRET: secret,
    COMPILOT_API_URL: api.url,
    COMPILOT_API_KEY: apiKey,
    LEDGER_SIGNING_KEY: generateSigningKeyBase64(),
    CHECKPOINT_SINK: sinkPath,
    CHECKPOINT_INTERVAL_MS: '3600000',
    VERIFY_REPORT: join(dir, 'verify-report.json'),
    ...extraEnv,
  };
  const config = loadConfig(env, { requireWebhookSecret: true });
  const service = await startService(config, createLogger('silent'), {
    ledger: loadLedgerConfig(env),
  });
  const active = state.customer(addActiveCustomer(state))!;
  // A reason naming the person, as a sanctions-list match can: free text about the customer.
  const alert = state.addAlert(active.id, {
    severity: 'High',
    reason: `sanctions list match: ${active.familyName}`,
  });
  const gone = state.addCustomer();
  try {
    const deliver = async (body: object | string, msgId?: string) => {
      const signed = signDelivery({
        secret,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...(msgId !== undefined && { msgId }),
      });
      const res = await post(service.port, WEBHOOK_PATH, signed.body, signed.headers);
      if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
      return signed.msgId;
    };
    const first = await deliver(customerWebhook('customer.created', active));
    // The same svix id with another body: kept as a svix-id-conflict quarantine entry.
    await deliver(customerWebhook('customer.updated', active), first);
    await deliver(scenarioWebhook(active, true, new Date()));
    await deliver(verificationFlowWebhook(active, new Date()));
    await deliver(alertWebhook('alert.created', alert));
    await deliver(alertWebhook('alert.updated', state.updateAlert(alert.id, { status: 'Open' })));
    await deliver(
      customerWebhook('customer.updated', state.updateCustomer(active.id, { riskScore: 'Medium' })),
    );
    await deliver(alertWebhook('alert.deleted', state.deleteAlert(alert.id)));
    await deliver(unknownTypeWebhook(active));
    await deliver('{"eventType":"customer.created","payload":{}}'); // schema-invalid
    await deliver(customerWebhook('customer.created', gone));
    await deliver(customerWebhook('customer.deleted', state.deleteCustomer(gone.id)));

    // Each customer's stream ends with the snapshot its last webhook caused.
    const headIs = async (stream: string, type: string) =>
      (await service.store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]?.type ===
      type;
    await waitFor(
      async () =>
        (await headIs(`customer-${active.id}`, DETAILS_EVENT_TYPE)) &&
        (await headIs(`customer-${gone.id}`, NOT_FOUND_EVENT_TYPE)),
      'the details and not-found snapshots',
    );
  } finally {
    await service.close();
  }
  return {
    dbPath,
    sinkPath,
    env,
    activeCustomer: active.id,
    deletedCustomer: gone.id,
    alertId: alert.id,
    personalData: [
      active.familyName,
      active.email,
      ...active.wallets.map((wallet) => wallet.address),
    ],
  };
}
