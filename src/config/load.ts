import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, describeZodIssues } from './errors.ts';
import { datasetNameFromFile, namespacedStorage } from './namespace.ts';
import { type Config, configSchema } from './schema.ts';

export interface LoadConfigOptions {
  /** Dataset/forecast YAML file. */
  configPath: string;
  /** Environment name; `environments/<env>.yaml` is laid over the file when it exists. */
  env?: string;
  /** Folder holding `environments/`; defaults to the current working directory. */
  projectRoot?: string;
  /** Last-word overrides (CLI flags), merged after the environment file. */
  overrides?: Record<string, unknown>;
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars from `over` replace those in `base`. */
export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? deepMerge(current, value) : value;
  }
  return out;
}

export function readYamlFile(file: string): Plain {
  if (!existsSync(file)) throw new ConfigError(file, ['file not found']);
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map(
        (e) => `YAML ${e.code} at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`,
      ),
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isPlain(value)) throw new ConfigError(file, ['(root): expected a mapping of keys to values']);
  return value;
}

export function environmentFile(env: string, projectRoot = process.cwd()): string {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(env)) {
    throw new ConfigError('--env', [
      `environment '${env}' must be a short lower-case name like local, dev or prod`,
    ]);
  }
  return path.join(projectRoot, 'environments', `${env}.yaml`);
}

/** Parses an already-merged object; `source` names where it came from in error messages. */
export function parseConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, describeZodIssues(result.error));
  return result.data;
}

/**
 * The environment file decides where storage is; a dataset config may name its own root instead, but not a
 * different kind of storage than the environment's (a local root under `--env prod` would silently skip the lake).
 */
function assertStorageAgrees(own: unknown, environment: unknown, configPath: string, envFile: string): void {
  if (own === undefined || environment === undefined) return;
  const kindOf = (value: unknown) => (isPlain(value) ? value.kind : undefined);
  if (kindOf(own) !== kindOf(environment)) {
    throw new ConfigError(configPath, [
      `storage: this dataset config sets storage of kind '${String(kindOf(own))}' but ${envFile} sets kind ` +
        `'${String(kindOf(environment))}'; remove storage from the dataset config (each dataset already gets its ` +
        "own folder datasets/<dataset.name>/ under the environment's storage root)",
    ]);
  }
}

export function loadConfig(options: LoadConfigOptions): Config {
  const projectRoot = options.projectRoot ?? process.cwd();
  let raw = readYamlFile(options.configPath);
  const sources = [options.configPath];
  // A storage block in the dataset config is that dataset's own storage: honoured, not namespaced.
  const ownStorage = raw.storage;
  if (options.env) {
    const envFile = environmentFile(options.env, projectRoot);
    if (existsSync(envFile)) {
      const environment = readYamlFile(envFile);
      assertStorageAgrees(ownStorage, environment.storage, options.configPath, envFile);
      raw = deepMerge(raw, environment);
      if (ownStorage !== undefined) raw.storage = ownStorage;
      sources.push(envFile);
    } else if (options.env !== 'local') {
      throw new ConfigError(envFile, [`environment '${options.env}' has no file; create ${envFile}`]);
    }
    raw = deepMerge(raw, { environment: options.env });
  }
  if (options.overrides) raw = deepMerge(raw, options.overrides);
  if (isPlain(raw.storage) && raw.storage.prefix !== undefined) {
    throw new ConfigError(sources.join(' + '), [
      'storage.prefix: set from dataset.name (datasets/<name>), not by hand; remove it (a container of its own ' +
        "goes in the dataset config's storage block, without a prefix)",
    ]);
  }
  const config = parseConfig(raw, sources.join(' + '));
  const dataset = config.dataset;
  dataset.name ??= datasetNameFromFile(options.configPath);
  if (ownStorage === undefined) config.storage = namespacedStorage(config.storage, dataset.name);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(dataset.path) && !path.isAbsolute(dataset.path)) {
    dataset.path = path.resolve(path.dirname(options.configPath), dataset.path);
  }
  return config;
}
