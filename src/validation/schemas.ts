/**
 * The webhook schema set: `schemas/index.json` names one JSON Schema per webhook event type plus
 * shared definitions, and carries the set's version. Everything is read and compiled once, at
 * start; validation afterwards is a pure function call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../events/types.js';

const addFormats = addFormatsPlugin.default;

/** Quarantine metadata keeps at most this many errors; one broken array can yield thousands. */
const MAX_ERRORS = 50;

export interface ValidationError {
  /** JSON Pointer into the body (`/payload/customerId`); empty for the body itself. */
  readonly path: string;
  readonly message: string;
}

export type ValidationResult =
  { readonly ok: true } | { readonly ok: false; readonly errors: readonly ValidationError[] };

export interface SchemaSet {
  /** Version of the schema set, recorded on every stored webhook event as `schemaVersion`. */
  readonly version: string;
  /** Validates a whole parsed body `{ eventType, payload }` against its event type's schema. */
  validate(eventType: WebhookEventType, body: unknown): ValidationResult;
}

export interface LoadSchemaSetOptions {
  /** The schemas folder; defaults to `schemas/` of the package this module belongs to. */
  readonly directory?: string;
}

interface SchemaIndex {
  readonly version: string;
  readonly shared: readonly string[];
  readonly eventTypes: Readonly<Record<string, string>>;
}

/**
 * Reads and compiles the schema set. Throws (at start, not per request) when the index is
 * malformed, does not cover exactly the known webhook event types, or a schema does not compile.
 */
export function loadSchemaSet(options: LoadSchemaSetOptions = {}): SchemaSet {
  const directory = options.directory ?? findSchemasDirectory();
  const index = readIndex(directory);
  // allErrors: a quarantined delivery should say everything that is wrong with it at once.
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  for (const file of index.shared) ajv.addSchema(readSchema(directory, file));

  const validators = new Map<WebhookEventType, ValidateFunction>();
  for (const eventType of WEBHOOK_EVENT_TYPES) {
    const file = index.eventTypes[eventType];
    if (file === undefined) throw new Error(`schemas/index.json has no schema for ${eventType}`);
    validators.set(eventType, ajv.compile(readSchema(directory, file)));
  }
  const known: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);
  const unknown = Object.keys(index.eventTypes).filter((type) => !known.has(type));
  if (unknown.length > 0) {
    throw new Error(`schemas/index.json names unknown event types: ${unknown.join(', ')}`);
  }

  return {
    version: index.version,
    validate(eventType, body) {
      const validator = validators.get(eventType);
      if (validator === undefined) throw new Error(`no schema for event type ${eventType}`);
      if (validator(body)) return { ok: true };
      return { ok: false, errors: toValidationErrors(validator.errors ?? []) };
    },
  };
}

function toValidationErrors(errors: readonly ErrorObject[]): ValidationError[] {
  // An `if` error only repeats that its `then` failed; the `then` errors say what is wrong.
  const useful = errors.filter((error) => error.keyword !== 'if');
  return useful.slice(0, MAX_ERRORS).map((error) => ({
    path: error.instancePath,
    message: describe(error),
  }));
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const message = error.message ?? error.keyword;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `${message}: ${params.allowedValues.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  if (error.keyword === 'const') return `${message}: ${JSON.stringify(params.allowedValue)}`;
  return message;
}

function readIndex(directory: string): SchemaIndex {
  const raw = JSON.parse(readFileSync(join(directory, 'index.json'), 'utf8')) as unknown;
  if (
    typeof raw !== 'object' ||
    raw === null ||
    typeof (raw as SchemaIndex).version !== 'string' ||
    !Array.isArray((raw as SchemaIndex).shared) ||
    typeof (raw as SchemaIndex).eventTypes !== 'object'
  ) {
    throw new Error(`${join(directory, 'index.json')} must hold { version, shared, eventTypes }`);
  }
  return raw as SchemaIndex;
}

function readSchema(directory: string, file: string): AnySchemaObject {
  return JSON.parse(readFileSync(join(directory, file), 'utf8')) as AnySchemaObject;
}

/**
 * The `schemas/` folder next to the nearest `package.json` above this module. Walking up keeps it
 * working both from `src/validation/` (tests, tsx) and from `dist/src/validation/` (built code).
 */
export function findSchemasDirectory(from: string = fileURLToPath(import.meta.url)): string {
  let directory = dirname(from);
  for (;;) {
    const candidate = join(directory, 'schemas', 'index.json');
    if (existsSync(join(directory, 'package.json')) && existsSync(candidate)) {
      return join(directory, 'schemas');
    }
    const parent = resolve(directory, '..');
    if (parent === directory) throw new Error(`no schemas/index.json found above ${from}`);
    directory = parent;
  }
}
