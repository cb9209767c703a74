import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One operation from the REST specification, as kept in `exchanges/` (see its README). */
export interface Exchange {
  operationId: string;
  source: string;
  method?: string;
  path?: string;
  apiVersion?: string;
  requestBody?: unknown;
  required?: string[];
  /** Members that are free dictionaries though the example shows named keys (e.g. tags). */
  dictionaries?: string[];
  variants?: Record<string, unknown>;
  /** Response-only shapes of polymorphic members (read-only members such as a job's status), over `variants`. */
  responseVariants?: Record<string, unknown>;
  readOnlyMembers?: Record<string, unknown>;
  responses: Record<string, unknown>;
}

const DIR = path.join(import.meta.dirname, 'exchanges');

export function loadExchange(operationId: string): Exchange {
  return JSON.parse(readFileSync(path.join(DIR, `${operationId}.json`), 'utf8')) as Exchange;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A `{"string": x}` object in an example is a dictionary placeholder: any key, values shaped like x. */
function isDictionary(example: Record<string, unknown>): boolean {
  const keys = Object.keys(example);
  return keys.length === 1 && keys[0] === 'string';
}

/**
 * Checks a request body against the example request: only members the example has, with the same JSON types;
 * `variants` give alternative shapes for polymorphic members ('properties.inputs.*' = every dictionary value).
 */
export function conforms(
  actual: unknown,
  example: unknown,
  variants: Record<string, unknown> = {},
  at = '',
  dictionaries: readonly string[] = [],
): string[] {
  const here = at || '(body)';
  if (dictionaries.includes(at) && isObject(example) && isObject(actual)) {
    const sample = Object.values(example)[0];
    return Object.values(actual).flatMap((value) => conforms(value, sample, {}, `${at}.*`));
  }
  const options = variants[at] as Record<string, unknown>[] | undefined;
  if (options && Array.isArray(options)) {
    const chosen = pickVariant(options, actual);
    if (!chosen) return [`${here}: is none of the spec's types (${options.map(discriminatorOf).join(', ')})`];
    const { $required, ...shape } = chosen;
    // The chosen type's own polymorphic members (a pipeline job's inputs) are still checked by their variants.
    const { [at]: _chosen, ...nested } = variants;
    return [
      ...conforms(actual, shape, nested, at, dictionaries),
      ...missingRequired(actual, ($required as string[]) ?? [], `${here}.`),
    ];
  }
  if (example === null) return [];
  if (kind(actual) !== kind(example)) return [`${here}: is ${kind(actual)}, the spec has ${kind(example)}`];
  if (!isObject(example) || !isObject(actual)) return [];
  const problems: string[] = [];
  if (isDictionary(example)) {
    for (const value of Object.values(actual)) {
      if (value === null) continue;
      problems.push(...conforms(value, example.string, variants, `${at}.*`.replace(/^\./, ''), dictionaries));
    }
    return problems;
  }
  for (const [key, value] of Object.entries(actual)) {
    const child = at ? `${at}.${key}` : key;
    if (!(key in example)) {
      problems.push(`${child}: not a member the spec's example has`);
      continue;
    }
    if (value === undefined) continue;
    problems.push(...conforms(value, example[key], variants, child, dictionaries));
  }
  return problems;
}

/** The variant whose discriminator (its '...Type' member with a concrete value) matches the actual value's. */
export function pickVariant(
  options: Record<string, unknown>[],
  actual: unknown,
): Record<string, unknown> | undefined {
  if (!isObject(actual)) return undefined;
  return options.find((option) => {
    const [key, value] = Object.entries(option).find(([k, v]) => k.endsWith('Type') && v !== 'string') ?? [];
    return key !== undefined && actual[key] === value;
  });
}

function discriminatorOf(option: Record<string, unknown>): string {
  return String(Object.entries(option).find(([k]) => k.endsWith('Type'))?.[1]);
}

export function missingRequired(actual: unknown, required: readonly string[] = [], prefix = ''): string[] {
  return required
    .filter((dotted) => {
      let node: unknown = actual;
      for (const part of dotted.split('.')) node = isObject(node) ? node[part] : undefined;
      return node === undefined || node === null;
    })
    .map((dotted) => `${prefix}${dotted}: required by the spec`);
}

/**
 * Builds a response from the example's shape and the server's values: members the example lacks are an error
 * (the server would be inventing API), except the operation's `readOnlyMembers`.
 */
export function shaped(
  example: unknown,
  value: unknown,
  extras: Record<string, unknown> = {},
  at = '',
  dictionaries: readonly string[] = [],
  variants: Record<string, unknown> = {},
): unknown {
  const options = variants[at] as Record<string, unknown>[] | undefined;
  if (options && Array.isArray(options) && isObject(value)) {
    const chosen = pickVariant(options, value);
    if (!chosen) throw new Error(`response member ${at} is none of the spec's types`);
    const { $required: _, ...shape } = chosen;
    const { [at]: _chosen, ...nested } = variants;
    return shaped(shape, value, extras, at, dictionaries, nested);
  }
  if (Array.isArray(value)) {
    if (!Array.isArray(example))
      throw new Error(`response member ${at} is an array where the spec has ${kind(example)}`);
    // Paths restart at each array element: 'properties.tags' names the same member in a get and in a list.
    return value.map((v) => shaped(example[0], v, extras, '', dictionaries, variants));
  }
  if (value === undefined || value === null || !isObject(value)) return value;
  // A free-form object (componentSpec, a pipeline's jobs): the spec's examples show it as a null placeholder.
  if (example === null) return value;
  if (!isObject(example))
    throw new Error(`response member ${at} is an object where the spec has ${kind(example)}`);
  if (isDictionary(example) || dictionaries.includes(at)) {
    const sample = isDictionary(example) ? example.string : Object.values(example)[0];
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, shaped(sample, v, {}, `${at}.*`, [], variants)]),
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const child = at ? `${at}.${key}` : key;
    if (!(key in example) && !(child in extras))
      throw new Error(`response member ${child} is not in the spec's example`);
    if (v !== undefined) {
      out[key] = key in example ? shaped(example[key], v, extras, child, dictionaries, variants) : v;
    }
  }
  return out;
}

/** Matches a concrete path against a spec path template; returns the parameters or undefined. */
export function matchPath(template: string, actual: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(actual);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
}
