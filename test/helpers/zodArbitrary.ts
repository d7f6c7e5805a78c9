/**
 * fast-check arbitraries built from zod (v3) schema objects, by walking their `_def`s: used to
 * generate payloads from the vendor's own published schemas (@nexeraid/identity-schemas) rather
 * than from our reading of them. Every union alternative, nullable and optional of the vendor
 * schema is generated; a zod construct this walker does not know throws instead of being
 * approximated, so a new vendor construct cannot silently narrow what is generated.
 *
 * Refinements (`.refine`) cannot be inverted, so their inner type is generated; callers parse
 * every value with the vendor schema and must check that it is accepted (see vendorValues).
 */
import fc from 'fast-check';

/** The part of a zod v3 schema object the walker reads (no import of zod itself). */
export interface ZodLike {
  readonly _def: object;
  safeParse(value: unknown): { success: boolean; data?: unknown; error?: unknown };
}

interface ZodDef {
  readonly typeName: string;
  readonly [key: string]: unknown;
}

interface Check {
  readonly kind: string;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly regex?: RegExp;
}

/** Longest generated array; vendor arrays are unbounded, a few items exercise the item schema. */
const MAX_ITEMS = 3;
const MAX_LAZY_DEPTH = 3;

const uuidArb = fc.stringMatching(
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
);
/** Printable ASCII most of the time, any code point sometimes (control characters included). */
function anyString(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength, maxLength }) },
  );
}

export function zodArbitrary(schema: ZodLike, lazyDepth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.typeName) {
    case 'ZodObject':
      return objectArbitrary(def, lazyDepth);
    case 'ZodLiteral':
      return fc.constant(def.value);
    case 'ZodEnum':
      return fc.constantFrom(...(def.values as readonly unknown[]));
    case 'ZodNativeEnum':
      return fc.constantFrom(...nativeEnumValues(def.values as Record<string, string | number>));
    case 'ZodString':
      return stringArbitrary(schema, def.checks as readonly Check[]);
    case 'ZodNumber':
      return numberArbitrary(def.checks as readonly Check[]);
    case 'ZodBoolean':
      return fc.boolean();
    case 'ZodNull':
      return fc.constant(null);
    case 'ZodDate':
      if ((def.checks as readonly Check[]).length > 0) throw unsupported('ZodDate with checks');
      return fc.date({ noInvalidDate: true });
    case 'ZodArray':
      return arrayArbitrary(def, lazyDepth);
    case 'ZodUnion':
    case 'ZodDiscriminatedUnion':
      return fc.oneof(
        ...(def.options as readonly ZodLike[]).map((o) => zodArbitrary(o, lazyDepth)),
      );
    case 'ZodOptional':
      return fc.option(zodArbitrary(def.innerType as ZodLike, lazyDepth), { nil: undefined });
    case 'ZodNullable':
      return fc.option(zodArbitrary(def.innerType as ZodLike, lazyDepth), { nil: null });
    case 'ZodDefault':
    case 'ZodReadonly':
    case 'ZodCatch':
      return zodArbitrary(def.innerType as ZodLike, lazyDepth);
    case 'ZodBranded':
      return zodArbitrary(def.type as ZodLike, lazyDepth);
    case 'ZodEffects':
      // refine / transform / preprocess: the input is the inner type's value.
      return zodArbitrary(def.schema as ZodLike, lazyDepth);
    case 'ZodRecord':
      return fc.dictionary(
        zodArbitrary(def.keyType as ZodLike, lazyDepth) as fc.Arbitrary<string>,
        zodArbitrary(def.valueType as ZodLike, lazyDepth),
        { maxKeys: MAX_ITEMS },
      );
    case 'ZodLazy':
      if (lazyDepth >= MAX_LAZY_DEPTH) throw unsupported('ZodLazy deeper than the walker goes');
      return zodArbitrary((def.getter as () => ZodLike)(), lazyDepth + 1);
    case 'ZodUnknown':
    case 'ZodAny':
      return fc.jsonValue({ maxDepth: 2 });
    default:
      throw unsupported(def.typeName);
  }
}

function defOf(schema: ZodLike): ZodDef {
  return schema._def as ZodDef;
}

function objectArbitrary(def: ZodDef, lazyDepth: number): fc.Arbitrary<unknown> {
  const catchall = defOf(def.catchall as ZodLike).typeName;
  if (catchall !== 'ZodNever') throw unsupported('ZodObject with a catchall');
  const shape = (def.shape as () => Record<string, ZodLike>)();
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredKeys: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    // An optional field is absent or present; when present it holds the inner type.
    const fieldDef = defOf(field);
    const optional = fieldDef.typeName === 'ZodOptional';
    model[key] = zodArbitrary(optional ? (fieldDef.innerType as ZodLike) : field, lazyDepth);
    if (!optional && fieldDef.typeName !== 'ZodDefault') requiredKeys.push(key);
  }
  return fc.record(model, { requiredKeys });
}

function arrayArbitrary(def: ZodDef, lazyDepth: number): fc.Arbitrary<unknown> {
  const min = (def.minLength as { value: number } | null)?.value ?? 0;
  const exact = (def.exactLength as { value: number } | null)?.value;
  const max = (def.maxLength as { value: number } | null)?.value;
  const minLength = exact ?? min;
  const maxLength = exact ?? Math.min(max ?? Infinity, Math.max(minLength, MAX_ITEMS));
  return fc.array(zodArbitrary(def.type as ZodLike, lazyDepth), { minLength, maxLength });
}

function stringArbitrary(schema: ZodLike, checks: readonly Check[]): fc.Arbitrary<string> {
  let minLength = 0;
  let maxLength: number | undefined;
  let format: fc.Arbitrary<string> | undefined;
  for (const check of checks) {
    switch (check.kind) {
      case 'min':
        minLength = check.value ?? 0;
        break;
      case 'max':
        maxLength = check.value;
        break;
      case 'length':
        minLength = check.value ?? 0;
        maxLength = check.value;
        break;
      case 'uuid':
        format = uuidArb;
        break;
      case 'email':
        format = fc.emailAddress();
        break;
      case 'url':
        format = fc.webUrl();
        break;
      case 'datetime':
        format = fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
        break;
      case 'regex':
        format = fc.stringMatching(check.regex!);
        break;
      default:
        throw unsupported(`string check ${check.kind}`);
    }
  }
  if (format === undefined) {
    return anyString(minLength, maxLength ?? Math.max(minLength, 24));
  }
  // fast-check's emails and URLs follow the RFCs, zod's patterns are narrower: keep the ones
  // the schema itself accepts (with its length limits).
  return format.filter((text) => schema.safeParse(text).success);
}

function numberArbitrary(checks: readonly Check[]): fc.Arbitrary<number> {
  let min: number | undefined;
  let max: number | undefined;
  let minExcluded = false;
  let maxExcluded = false;
  let integer = false;
  for (const check of checks) {
    if (check.kind === 'int') integer = true;
    else if (check.kind === 'min') [min, minExcluded] = [check.value, check.inclusive === false];
    else if (check.kind === 'max') [max, maxExcluded] = [check.value, check.inclusive === false];
    else throw unsupported(`number check ${check.kind}`);
  }
  if (integer) {
    return fc.integer({
      min: Math.max(
        Math.ceil(min ?? Number.MIN_SAFE_INTEGER) + (minExcluded ? 1 : 0),
        -(2 ** 53) + 1,
      ),
      max: Math.min(
        Math.floor(max ?? Number.MAX_SAFE_INTEGER) - (maxExcluded ? 1 : 0),
        2 ** 53 - 1,
      ),
    });
  }
  // JSON has no NaN or Infinity, so the vendor can never send them.
  return fc.double({
    min,
    max,
    minExcluded,
    maxExcluded,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function nativeEnumValues(values: Record<string, string | number>): (string | number)[] {
  // TypeScript numeric enums map values back to names; keep the values only.
  return Object.entries(values)
    .filter(([key]) => typeof values[values[key] as string] !== 'number')
    .map(([, value]) => value);
}

function unsupported(what: string): Error {
  return new Error(`zodArbitrary does not handle ${what}`);
}

/** A generated input and what the vendor schema made of it. */
export interface VendorValue {
  readonly input: unknown;
  readonly accepted: boolean;
  /** The schema's output as the vendor would send it: serialised to JSON and parsed back. */
  readonly wire: unknown;
}

/**
 * Values of `schema` as they travel: the generated input is parsed by the vendor schema itself
 * (zod coerces dates, strips unknown keys, applies transforms) and its output goes through
 * JSON.stringify, which is what a sender of a value of that type puts on the wire.
 */
export function vendorValues(schema: ZodLike): fc.Arbitrary<VendorValue> {
  return zodArbitrary(schema).map((input) => {
    const parsed = schema.safeParse(input);
    return {
      input,
      accepted: parsed.success,
      wire: parsed.success ? (JSON.parse(JSON.stringify(parsed.data)) as unknown) : undefined,
    };
  });
}
