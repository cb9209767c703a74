// Reads the Azure DevOps pipelines the way Azure DevOps compiles them, for the structural tests: includes step,
// job and stage templates (paths relative to the including file), checks the parameters passed against the
// template's declarations, and substitutes `${{ parameters.x }}` / `${{ variables.x }}`. Conditional insertion
// (`${{ if }}` keys) is refused: the pipelines avoid it so that every file validates against the official schema.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const pipelinesDir = path.join(repoRoot, '.azure-pipelines');

type Plain = Record<string, unknown>;
export type Step = Plain;
export interface Job extends Plain {
  job?: string;
  deployment?: string;
  environment?: unknown;
}
export interface Stage extends Plain {
  stage: string;
  jobs: Job[];
}
export interface Pipeline extends Plain {
  stages: Stage[];
  variables: Record<string, string>;
  parameters: Record<string, unknown>;
}

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readYaml(file: string): unknown {
  const doc = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS();
}

interface Scope {
  file: string;
  parameters: Record<string, unknown>;
  variables: Record<string, string>;
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

function evaluate(expr: string, scope: Scope): unknown {
  const match = /^(parameters|variables)(?:\.([\w.-]+)|\['([^']+)'\])$/.exec(expr);
  if (!match) throw new Error(`${scope.file}: unsupported template expression '\${{ ${expr} }}'`);
  const name = (match[2] ?? match[3])!;
  const bag: Record<string, unknown> = match[1] === 'parameters' ? scope.parameters : scope.variables;
  if (!(name in bag)) throw new Error(`${scope.file}: '\${{ ${expr} }}' names no ${match[1]!.slice(0, -1)}`);
  return bag[name];
}

/** Azure DevOps renders booleans as True/False when it interpolates them into a string. */
const render = (value: unknown) => (typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value));

function substitute(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{\{\s*(.*?)\s*\}\}$/.exec(value);
    if (whole) return evaluate(whole[1]!, scope);
    return value.replace(EXPRESSION, (_, expr: string) => render(evaluate(expr, scope)));
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, scope));
  if (isPlain(value)) {
    const out: Plain = {};
    for (const [key, item] of Object.entries(value)) {
      if (key.startsWith('${{'))
        throw new Error(`${scope.file}: conditional insertion '${key}' is not used here`);
      out[key] = substitute(item, scope);
    }
    return out;
  }
  return value;
}

interface Declared {
  name: string;
  type?: string;
  default?: unknown;
  values?: unknown[];
}

function bindParameters(file: string, declared: unknown, passed: Plain): Record<string, unknown> {
  const list = (Array.isArray(declared) ? declared : []) as Declared[];
  const names = new Set(list.map((p) => p.name));
  for (const name of Object.keys(passed)) {
    if (!names.has(name)) throw new Error(`${file}: unexpected parameter '${name}'`);
  }
  const bound: Record<string, unknown> = {};
  for (const p of list) {
    const value = p.name in passed ? passed[p.name] : p.default;
    if (value === undefined) throw new Error(`${file}: parameter '${p.name}' is required`);
    if (p.values && !p.values.map(String).includes(String(value))) {
      throw new Error(
        `${file}: parameter '${p.name}' is '${String(value)}', not one of ${p.values.join(', ')}`,
      );
    }
    const type = p.type ?? 'string';
    const ok =
      (type === 'boolean' && typeof value === 'boolean') ||
      (type === 'number' && typeof value === 'number') ||
      (type === 'string' && typeof value === 'string') ||
      !['boolean', 'number', 'string'].includes(type);
    if (!ok)
      throw new Error(`${file}: parameter '${p.name}' must be a ${type}, got ${JSON.stringify(value)}`);
    bound[p.name] = value;
  }
  return bound;
}

function includeTemplate(ref: string, passed: unknown, scope: Scope, kind: string): unknown[] {
  const file = path.resolve(path.dirname(scope.file), ref);
  if (!existsSync(file)) throw new Error(`${scope.file}: template '${ref}' not found at ${file}`);
  const doc = readYaml(file);
  if (!isPlain(doc) || !Array.isArray(doc[kind])) throw new Error(`${file}: not a ${kind} template`);
  const inner: Scope = {
    file,
    parameters: bindParameters(file, doc.parameters, isPlain(passed) ? passed : {}),
    variables: scope.variables,
  };
  return expandList(substitute(doc[kind], inner) as unknown[], inner, kind);
}

const NESTED_LISTS = ['stages', 'jobs', 'steps'];

function expandList(items: unknown[], scope: Scope, kind: string): unknown[] {
  return items.flatMap((item) => {
    if (isPlain(item) && typeof item.template === 'string') {
      return includeTemplate(item.template, substitute(item.parameters ?? {}, scope), scope, kind);
    }
    return [expandNested(item, scope)];
  });
}

/** Expands the template references inside an item (a stage's jobs, a job's or a deployment hook's steps). */
function expandNested(value: unknown, scope: Scope): unknown {
  if (Array.isArray(value)) return value.map((v) => expandNested(v, scope));
  if (!isPlain(value)) return value;
  const out: Plain = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      NESTED_LISTS.includes(key) && Array.isArray(item)
        ? expandList(item, scope, key)
        : expandNested(item, scope);
  }
  return out;
}

/** Pipeline variables known at compile time, variable templates included (groups are runtime-only). */
function collectVariables(list: unknown, file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  if (isPlain(list)) {
    for (const [k, v] of Object.entries(list)) vars[k] = String(v);
    return vars;
  }
  for (const item of Array.isArray(list) ? list : []) {
    if (!isPlain(item)) continue;
    if (typeof item.template === 'string') {
      const tfile = path.resolve(path.dirname(file), item.template);
      const doc = readYaml(tfile);
      Object.assign(vars, collectVariables(isPlain(doc) ? doc.variables : undefined, tfile));
    } else if (typeof item.name === 'string') {
      vars[item.name] = item.value === undefined ? '' : String(item.value);
    }
  }
  return vars;
}

/** Compiles a pipeline file; `parameters` stand for the values a person picks when queuing a run. */
export function expandPipeline(file: string, parameters: Plain = {}): Pipeline {
  const doc = readYaml(file);
  if (!isPlain(doc) || !Array.isArray(doc.stages))
    throw new Error(`${file}: expected a pipeline with stages`);
  const bound = bindParameters(file, doc.parameters, parameters);
  const raw = collectVariables(doc.variables, file);
  const first: Scope = { file, parameters: bound, variables: {} };
  const variables = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, render(substitute(v, first))]),
  );
  const scope: Scope = { file, parameters: bound, variables };
  const stages = expandList(substitute(doc.stages, scope) as unknown[], scope, 'stages') as Stage[];
  return { ...doc, stages, variables, parameters: bound };
}

/** Every step of a job, whatever the job kind (plain job, or a deployment strategy's hooks). */
export function stepsOf(job: Job): Step[] {
  const steps: Step[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isPlain(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'steps' && Array.isArray(item)) steps.push(...(item as Step[]));
        else walk(item);
      }
    }
  };
  walk(job);
  return steps;
}

/** The shell text a step runs: script/bash shortcuts or a script task's inline script. */
export function scriptOf(step: Step): string | undefined {
  for (const key of ['script', 'bash', 'pwsh', 'powershell'])
    if (typeof step[key] === 'string') return step[key];
  const inputs = isPlain(step.inputs) ? step.inputs : {};
  for (const key of ['inlineScript', 'script']) if (typeof inputs[key] === 'string') return inputs[key];
  return undefined;
}

/** The command lines of a script, without blank lines and comments. */
export function commandLines(script: string): string[] {
  return script
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}
