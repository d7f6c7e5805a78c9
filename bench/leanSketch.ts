/**
 * bench:rebuild-sketch's sketch: the work of the five projections written as one lean pass,
 * to see what a rewrite of the rules could reach (issue 12). Not product code and not a
 * projection: it gives none of the real rows. Per event it does what every design must: read
 * the page, decode and parse the body (and the metadata the store parses), hash the stored
 * bytes for ties, and apply each projection's kind of rule with plain objects and no copies
 * (last-writer-wins per field by ComPilot time, a KYC observation per customer event and a row
 * per run, an alert's newest state, a customer's wallets, the end of a relationship). It writes
 * what the read model holds (a KYC row per observation, in transactions of 10,000, and the
 * customers, alerts, wallets and retention rows once, at the end, then the indexes) with the
 * read model's connection settings. It leaves out what the real rules add: validation, poison
 * handling, erasure, evidence as the queries show it, the projector's checkpoints, spills and
 * memory bound. So it runs at least as fast as any rewrite that keeps the read model.
 */
import { openReadModel } from '../src/readmodel/readModelStore.js';
import { fnvOfBytes } from '../src/events/fnvHash.js';
import type { RecordedEvent } from '../src/store/eventStore.js';
import type { openSqliteEventStore } from '../src/store/sqliteEventStore.js';
import { removeDatabase } from './sqliteFiles.js';
import { timedScan, type TimedPass } from './timedScan.js';

type Json = Record<string, unknown>;
interface Fact {
  readonly at: string;
  readonly tie: string;
  readonly id: string;
  readonly position: string;
  readonly svixId: unknown;
}
interface Field {
  readonly value: unknown;
  readonly fact: Fact;
}
interface Customer {
  readonly fields: Record<string, Field>;
  last: string;
}
interface Alert {
  readonly payload: Json;
  readonly fact: Fact;
  readonly deleted: boolean;
  readonly last: string;
}
interface Wallets {
  fact?: Fact;
  fromDetails: { address: string; namespace: unknown; verified: unknown }[];
  readonly observed: Map<string, { address: string; fact: Fact; source: string }>;
}
type KycRow = [key: string, customerId: string, kind: string, doc: string];

const TRACKED = [
  'status',
  'riskScore',
  'onboardingLevel',
  'externalCustomerId',
  'type',
  'createdAt',
];
const FROM_DETAILS = ['customerClaims', 'customerEmails', 'customerPersonalInformation'];
const EVM = /^0x[0-9a-fA-F]{40}$/;

function newer(a: Fact, b: Fact | undefined): boolean {
  return b === undefined || a.at > b.at || (a.at === b.at && a.tie > b.tie);
}

/** The sketch's state: what the projections keep in memory during a bulk build. */
class Sketch {
  readonly customers = new Map<string, Customer>();
  readonly alerts = new Map<string, Alert>();
  readonly wallets = new Map<string, Wallets>();
  readonly ended = new Map<string, Fact>();
  kycRows: KycRow[] = [];

  apply(event: RecordedEvent): void {
    const data = event.data;
    const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    const body = JSON.parse(text) as Json;
    const meta = event.metadata;
    const tie = fnvOfBytes(data).toString(16);
    const type = event.type;
    if (type.startsWith('alert.')) return this.alert(event, body.payload as Json, tie, meta);
    const details = type === 'compilot.customer.details';
    const payload = details ? body : (body.payload as Json);
    const customerId = event.streamName.slice('customer-'.length);
    const at = String(
      details ? meta.fetchedAt : (payload.updatedAt ?? payload.createdAt ?? meta.receivedAt),
    );
    const fact: Fact = { at, tie, id: event.id, position: event.position, svixId: meta.svixId };
    let customer = this.customers.get(customerId);
    if (customer === undefined) {
      customer = { fields: {}, last: event.position };
      this.customers.set(customerId, customer);
    }
    customer.last = event.position;
    if (type === 'send.scenario' || type === 'send.verification.flow') {
      return this.run(customerId, type, payload, fact);
    }
    let carried = 0;
    for (const name of TRACKED) {
      if (!(name in payload)) continue;
      carried += 1;
      if (newer(fact, customer.fields[name]?.fact)) {
        customer.fields[name] = { value: payload[name], fact };
      }
    }
    if (details) this.details(customerId, customer, payload, fact);
    if (type === 'customer.deleted') {
      if (newer(fact, this.ended.get(customerId))) this.ended.set(customerId, fact);
      customer.fields.deleted = { value: true, fact };
    }
    const state = [customerId, at, type, event.id, event.position, fact.svixId ?? null, tie];
    state.push(carried, payload.status ?? null, payload.onboardingLevel ?? null);
    state.push(payload.riskScore ?? null, payload.reason ?? null);
    this.kycRows.push([event.position, customerId, 'state', JSON.stringify(state)]);
  }

  private alert(event: RecordedEvent, payload: Json, tie: string, meta: Json): void {
    const at = String(payload.updatedAt ?? payload.createdAt);
    const fact: Fact = { at, tie, id: event.id, position: event.position, svixId: meta.svixId };
    const id = String(payload.id);
    const current = this.alerts.get(id);
    const deleted = event.type === 'alert.deleted' || (current?.deleted ?? false);
    const kept = current !== undefined && !newer(fact, current.fact) ? current : undefined;
    this.alerts.set(id, {
      payload: kept?.payload ?? payload,
      fact: kept?.fact ?? fact,
      deleted,
      last: event.position,
    });
  }

  private details(customerId: string, customer: Customer, payload: Json, fact: Fact): void {
    for (const name of FROM_DETAILS) {
      if (newer(fact, customer.fields[name]?.fact)) {
        customer.fields[name] = { value: payload[name], fact };
      }
    }
    const wallets = this.walletsOf(customerId);
    if (!newer(fact, wallets.fact)) return;
    wallets.fact = fact;
    const list = Array.isArray(payload.customerWallets) ? (payload.customerWallets as Json[]) : [];
    wallets.fromDetails = list.map((wallet) => ({
      address: String(wallet.wallet),
      namespace: wallet.blockchainNamespace ?? null,
      verified: wallet.verified ?? null,
    }));
  }

  private run(customerId: string, type: string, payload: Json, fact: Fact): void {
    const kind = type === 'send.scenario' ? 'scenario' : 'verification-flow';
    const executionId = String(payload.executionId);
    const results = Array.isArray(payload.result) ? (payload.result as Json[]) : [];
    const detail = {
      executionId,
      address: payload.address,
      checks: results.map((result) => ({ type: result.type, data: result.data ?? null })),
      scenarios: payload.scenarios ?? null,
    };
    const observation = { ...fact, kind, executionId, result: payload.result, detail };
    this.kycRows.push([
      `${customerId}|${kind}|${executionId}`,
      customerId,
      kind,
      JSON.stringify({ customerId, observation }),
    ]);
    const address = String(payload.address);
    const key = EVM.test(address) ? address.toLowerCase() : address;
    const wallets = this.walletsOf(customerId);
    const seen = wallets.observed.get(key);
    if (seen === undefined || newer(seen.fact, fact)) {
      wallets.observed.set(key, { address, fact, source: type });
    }
  }

  private walletsOf(customerId: string): Wallets {
    let wallets = this.wallets.get(customerId);
    if (wallets === undefined) {
      wallets = { fromDetails: [], observed: new Map() };
      this.wallets.set(customerId, wallets);
    }
    return wallets;
  }
}

/** The sketch over every page of `store`; `write` false keeps everything in memory. */
export async function leanSketch(
  store: ReturnType<typeof openSqliteEventStore>,
  pageSize: number,
  path: string,
  write: boolean,
): Promise<TimedPass> {
  removeDatabase(path);
  const db = openReadModel(path);
  try {
    db.exec(`CREATE TABLE kyc (k TEXT PRIMARY KEY, c TEXT NOT NULL, kind TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE TABLE customers (id TEXT PRIMARY KEY, ext TEXT, status TEXT, risk TEXT, level TEXT,
        type TEXT, deleted INTEGER, created TEXT, last TEXT, doc TEXT);
      CREATE TABLE alerts (id TEXT PRIMARY KEY, c TEXT, status TEXT, severity TEXT, created TEXT,
        updated TEXT, deleted INTEGER, last TEXT, doc TEXT);
      CREATE TABLE wallets (k TEXT, c TEXT, address TEXT, ns TEXT, verified INTEGER, source TEXT,
        PRIMARY KEY (k, c));
      CREATE TABLE retention (c TEXT PRIMARY KEY, ended TEXT, doc TEXT);`);
    const insertKyc = db.prepare<KycRow>('INSERT OR IGNORE INTO kyc VALUES (?, ?, ?, ?)');
    const writeKyc = db.transaction((rows: readonly KycRow[]) => {
      for (const row of rows) insertKyc.run(...row);
    });
    const sketch = new Sketch();
    const pass = await timedScan(store, pageSize, (page) => {
      for (const event of page) sketch.apply(event);
      if (sketch.kycRows.length >= 10_000) {
        if (write) writeKyc(sketch.kycRows);
        sketch.kycRows = [];
      }
    });
    if (!write) return pass;
    const started = performance.now();
    const cpu = process.cpuUsage();
    writeKyc(sketch.kycRows);
    db.transaction(() => writeDocuments(db, sketch))();
    db.exec(`CREATE INDEX kyc_c ON kyc (c); CREATE INDEX alerts_cs ON alerts (c, status);
      CREATE INDEX alerts_si ON alerts (status, id);`);
    const used = process.cpuUsage(cpu);
    return {
      count: pass.count,
      seconds: pass.seconds + (performance.now() - started) / 1000,
      cpu: pass.cpu + (used.user + used.system) / 1e6,
    };
  } finally {
    db.close();
    removeDatabase(path);
  }
}

function writeDocuments(db: ReturnType<typeof openReadModel>, sketch: Sketch): void {
  const customer = db.prepare('INSERT INTO customers VALUES (?,?,?,?,?,?,?,?,?,?)');
  for (const [id, c] of sketch.customers) {
    const value = (name: string) => (c.fields[name]?.value ?? null) as string | null;
    customer.run(
      id,
      value('externalCustomerId'),
      value('status'),
      value('riskScore'),
      value('onboardingLevel'),
      value('type'),
      c.fields.deleted === undefined ? 0 : 1,
      value('createdAt'),
      c.last,
      JSON.stringify(c.fields),
    );
  }
  const alert = db.prepare('INSERT INTO alerts VALUES (?,?,?,?,?,?,?,?,?)');
  for (const [id, a] of sketch.alerts) {
    const field = (name: string) => (a.payload[name] ?? null) as string | null;
    alert.run(
      id,
      field('customerId'),
      field('status'),
      field('severity'),
      field('createdAt'),
      field('updatedAt'),
      a.deleted ? 1 : 0,
      a.last,
      JSON.stringify(a),
    );
  }
  const wallet = db.prepare('INSERT OR REPLACE INTO wallets VALUES (?,?,?,?,?,?)');
  for (const [customerId, w] of sketch.wallets) {
    for (const x of w.fromDetails) {
      const verified = x.verified === null ? null : x.verified === true ? 1 : 0;
      wallet.run(x.address.toLowerCase(), customerId, x.address, x.namespace, verified, 'details');
    }
    for (const [key, o] of w.observed) wallet.run(key, customerId, o.address, null, null, o.source);
  }
  const retention = db.prepare('INSERT INTO retention VALUES (?,?,?)');
  for (const [customerId, fact] of sketch.ended) {
    retention.run(customerId, fact.at, JSON.stringify(fact));
  }
}
