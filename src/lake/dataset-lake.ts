import type { StorageConfig } from '../config/schema.ts';
import { checkPrefix } from '../storage/keys.ts';

/**
 * The one place that turns a dataset's namespace into every form a lake path takes outside this process. On
 * Azure each dataset lives under `datasets/<name>/` in the lake container (`storage.prefix`, set by loadConfig
 * from `dataset.name`; src/config/namespace.ts), so two datasets on one container never share a prepared lake,
 * runs, predictions, reports or a model index. Everything below the prefix keeps the layout of `lakeLayout`.
 * A container named in the dataset config's own `storage` block belongs to that dataset alone: no prefix.
 *
 * The forms: blob keys (through `PrefixedBlobStore`), Azure ML datastore URIs in a pipeline job, the lake's
 * https/abfss URLs (code snapshots, the Synapse data source), the folder a Spark job finds the lake in, and the
 * model index's folder in the registry's datastore. On a cluster, `MM_LAKE_ROOT` is always the dataset's folder,
 * and the local storage made of it keeps `prefix` for the one path still built there: the model index's.
 */
export function lakePrefixOf(storage: StorageConfig): string {
  return storage.prefix ?? '';
}

/** `key` inside the dataset's folder: `prepared/meta.json` -> `datasets/demo/prepared/meta.json`. */
export function underPrefix(prefix: string, key: string): string {
  if (prefix === '') return key;
  checkPrefix(prefix);
  return key === '' ? prefix : `${prefix.replace(/\/$/, '')}/${key}`;
}

/** A URL or path of the lake's root, moved to the dataset's folder (no trailing slash added or lost). */
export function urlUnderPrefix(url: string, prefix: string): string {
  if (prefix === '') return url;
  const trailing = url.endsWith('/');
  const joined = `${url.replace(/\/+$/, '')}/${prefix.replace(/\/$/, '')}`;
  return trailing ? `${joined}/` : joined;
}

const DATASTORE_PATH = /^(azureml:\/\/datastores\/[^/]+\/paths\/)(.*)$/;

/**
 * A datastore URI of a pipeline job (`azureml://datastores/mm_lake/paths/prepared/`) inside the dataset's folder
 * (`.../paths/datasets/demo/prepared/`); `paths/` alone (the whole lake, mounted for a merge step) becomes the
 * dataset's folder, which is then that step's MM_LAKE_ROOT. Other values are returned as they are.
 */
export function datastoreUriUnderPrefix(uri: string, prefix: string): string {
  const match = DATASTORE_PATH.exec(uri);
  if (!match || prefix === '') return uri;
  const folder = `${prefix.replace(/\/$/, '')}/`;
  return `${match[1]}${folder}${match[2]}`;
}

/** Every datastore URI in a pipeline spec (inputs and outputs at any depth), moved into the dataset's folder. */
export function pipelineSpecUnderPrefix<T>(spec: T, prefix: string): T {
  if (prefix === '') return spec;
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return datastoreUriUnderPrefix(value, prefix);
    if (Array.isArray(value)) return value.map(visit);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
    return value;
  };
  return visit(spec) as T;
}

/** The folder of an Azure ML registry's model index and artifacts in the lake datastore, for one stage. */
export function registryIndexPrefix(storage: StorageConfig, stage: 'dev' | 'prod'): string {
  return underPrefix(lakePrefixOf(storage), `registry/${stage}`);
}

/**
 * The Synapse external data source over the dataset's folder: `mm_lake` for a container of its own, else one per
 * dataset (`mm_lake_<name>`), because the script creates it only when missing and would otherwise keep pointing at
 * the first dataset's folder.
 */
export function synapseDataSourceName(storage: StorageConfig): string {
  const prefix = lakePrefixOf(storage);
  return prefix === '' ? 'mm_lake' : `mm_lake_${prefix.slice(prefix.lastIndexOf('/') + 1)}`;
}
