import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mm-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const VALID = `
dataset:
  path: data/sales.csv
  partitionBy: [Store, Brand]
  time: WeekStarting
  target: Quantity
  frequency: W
  features: [Price]
forecast:
  horizon: 8
  holdout: 8
`;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses a valid file, fills defaults and resolves the data path against the file', () => {
    const root = project({ 'configs/a.yaml': VALID });
    const config = loadConfig({ configPath: path.join(root, 'configs/a.yaml'), projectRoot: root });
    expect(config.dataset.path).toBe(path.join(root, 'configs/data/sales.csv'));
    expect(config.forecast.candidates).toEqual([
      'naive',
      'seasonal_naive',
      'mean',
      'ridge',
      'ets',
      'arx',
      'intermittent',
      'combo',
    ]);
    expect(config.forecast).toMatchObject({ backtestWindows: 1, combineTop: 3, intervals: [0.8, 0.95] });
    expect(config.promotion).toMatchObject({ maxMetric: null, mustBeatBaseline: true });
    expect(config.dataset.name).toBe('a');
    expect(config.storage).toEqual({ kind: 'local', root: path.join('.mm/local', 'datasets', 'a') });
  });

  it("gives each dataset its own folder under the environment's storage root, named by dataset.name", () => {
    const root = project({
      'configs/demo.yaml': VALID,
      'configs/My Sales.yaml': VALID,
      'configs/other.yaml': VALID.replace('dataset:', 'dataset:\n  name: shop_2'),
      'environments/local.yaml': 'storage: { kind: local, root: lake }\n',
      'environments/dev.yaml': 'storage: { kind: azure, accountUrl: "https://a.blob.core.windows.net" }\n',
    });
    const load = (file: string, env = 'local') =>
      loadConfig({ configPath: path.join(root, 'configs', file), env, projectRoot: root });
    expect(load('demo.yaml').storage).toEqual({ kind: 'local', root: path.join('lake', 'datasets', 'demo') });
    expect(load('My Sales.yaml').storage).toEqual({
      kind: 'local',
      root: path.join('lake', 'datasets', 'my-sales'),
    });
    expect(load('other.yaml').storage).toEqual({
      kind: 'local',
      root: path.join('lake', 'datasets', 'shop_2'),
    });
    expect(load('demo.yaml', 'dev').storage).toMatchObject({
      cacheRoot: path.join('.mm/cache', 'datasets', 'demo'),
    });
  });

  it('honours storage.root in the dataset config as that dataset own root, and refuses another kind than the environment', () => {
    const own = VALID.replace('forecast:', 'storage: { kind: local, root: elsewhere }\nforecast:');
    const root = project({
      'a.yaml': own,
      'environments/local.yaml': 'storage: { kind: local, root: lake }\n',
      'environments/dev.yaml': 'storage: { kind: azure, accountUrl: "https://a.blob.core.windows.net" }\n',
    });
    const load = (env: string) =>
      loadConfig({ configPath: path.join(root, 'a.yaml'), env, projectRoot: root });
    expect(load('local').storage).toEqual({ kind: 'local', root: 'elsewhere' });
    const error = errorOf(() => load('dev'));
    expect(error.issues[0]).toContain("this dataset config sets storage of kind 'local' but");
    expect(error.issues[0]).toContain("environments/dev.yaml sets kind 'azure'");
  });

  it('refuses a dataset.name that is not a plain folder name', () => {
    const root = project({ 'a.yaml': VALID.replace('dataset:', 'dataset:\n  name: ../up') });
    const error = errorOf(() => loadConfig({ configPath: path.join(root, 'a.yaml'), projectRoot: root }));
    expect(error.issues.some((i) => i.startsWith('dataset.name:'))).toBe(true);
  });

  it('lays the environment file over the config, objects merged and scalars replaced', () => {
    const root = project({
      'a.yaml': VALID,
      'environments/prod.yaml': 'promotion:\n  championMargin: 0.1\nengine:\n  workers: 3\n',
    });
    const config = loadConfig({ configPath: path.join(root, 'a.yaml'), env: 'prod', projectRoot: root });
    expect(config.environment).toBe('prod');
    expect(config.promotion.championMargin).toBe(0.1);
    expect(config.promotion.mustBeatBaseline).toBe(true);
    expect(config.engine.workers).toBe(3);
  });

  it('names the key and what was expected', () => {
    const root = project({
      'a.yaml': VALID.replace('horizon: 8', 'horizon: -2').replace('frequency: W', 'frequency: Q'),
    });
    const error = errorOf(() => loadConfig({ configPath: path.join(root, 'a.yaml'), projectRoot: root }));
    expect(error.message).toContain('a.yaml');
    expect(error.issues.some((i) => i.startsWith('forecast.horizon:'))).toBe(true);
    expect(error.issues.some((i) => i.startsWith('dataset.frequency:') && i.includes('"W"'))).toBe(true);
  });

  it('rejects unknown keys by name (a typo must not be silently ignored)', () => {
    const root = project({ 'a.yaml': VALID.replace('holdout: 8', 'holdout: 8\n  horizn: 4') });
    const error = errorOf(() => loadConfig({ configPath: path.join(root, 'a.yaml'), projectRoot: root }));
    expect(error.issues).toContain("forecast: unknown key(s) 'horizn'");
  });

  it('reports malformed YAML with its line', () => {
    const root = project({ 'a.yaml': 'dataset:\n  path: [unclosed\n' });
    const error = errorOf(() => loadConfig({ configPath: path.join(root, 'a.yaml'), projectRoot: root }));
    expect(error.issues[0]).toMatch(/^YAML \w+ at line \d+/);
  });

  it('refuses an environment without a file, and hostile environment names', () => {
    const root = project({ 'a.yaml': VALID });
    expect(() =>
      loadConfig({ configPath: path.join(root, 'a.yaml'), env: 'staging', projectRoot: root }),
    ).toThrow(/environment 'staging' has no file/);
    expect(() =>
      loadConfig({ configPath: path.join(root, 'a.yaml'), env: '../etc', projectRoot: root }),
    ).toThrow(/must be a short lower-case name/);
  });

  it('the shipped environments and configs are valid', () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    for (const env of ['local', 'dev', 'prod']) {
      const config = loadConfig({ configPath: path.join(repo, 'configs/demo.yaml'), env, projectRoot: repo });
      expect(config.environment).toBe(env);
    }
  });
});
