import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { venvProgram } from '../../pipelines/python.ts';
import { renderManifests } from './render-manifests.ts';

/**
 * checkov (PyPI, its own venv from .ci/python.sh) over what reaches production: the Kubernetes manifests the
 * Pulumi program applies (rendered under the mocks), both Dockerfiles and every Azure Pipelines YAML file. Any
 * failed check fails the test; a finding we accept carries an inline `checkov:skip=<id>: <reason>` comment (a
 * `checkov.io/skip<n>` annotation for rendered manifests) and the test requires that reason to be written out.
 */
const REPO = path.resolve(import.meta.dirname, '../../..');
const DOCKERFILES = ['pipelines/Dockerfile', 'Dockerfile.serve'];
const run = promisify(execFile);

interface CheckResult {
  check_id: string;
  check_name: string;
  file_path: string;
  resource: string;
  check_result: { result: string; suppress_comment?: string };
}
interface Report {
  check_type: string;
  results?: { passed_checks?: CheckResult[]; failed_checks?: CheckResult[]; skipped_checks?: CheckResult[] };
}

const checkov = venvProgram('checkov', 'checkov');
let work = '';
let reports: Report[] = [];

/** Checkov's azure_pipelines framework only reads files named *azure-pipelines.yml: scan copies so named. */
async function pipelineCopies(into: string): Promise<string[]> {
  const root = path.join(REPO, '.azure-pipelines');
  const files: string[] = [];
  for (const sub of ['', 'templates']) {
    for (const name of await readdir(path.join(root, sub))) {
      if (!name.endsWith('.yml')) continue;
      const copy = path.join(into, `${[sub, name].filter(Boolean).join('-')}.azure-pipelines.yml`);
      await copyFile(path.join(root, sub, name), copy);
      files.push(copy);
    }
  }
  return files;
}

beforeAll(async () => {
  if (!checkov) return;
  work = await mkdtemp(path.join(tmpdir(), 'mm-checkov-'));
  const manifests = await renderManifests(path.join(work, 'k8s'));
  await mkdir(path.join(work, 'pipelines'));
  const pipelines = await pipelineCopies(path.join(work, 'pipelines'));
  const files = [...manifests, ...pipelines, ...DOCKERFILES.map((f) => path.join(REPO, f))];
  // Exit code 1 means findings; the JSON on stdout says which, so it is read either way.
  const { stdout } = await run(
    checkov,
    [
      ...files.flatMap((f) => ['-f', f]),
      '--framework',
      'kubernetes',
      'dockerfile',
      'azure_pipelines',
      '--compact',
      '--skip-download',
      '--output',
      'json',
    ],
    { cwd: REPO, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' } },
  ).catch((error: { stdout?: string; stderr?: string }) => {
    if (!error.stdout) throw new Error(`checkov did not run: ${error.stderr ?? String(error)}`);
    return { stdout: error.stdout };
  });
  const parsed = JSON.parse(stdout) as Report | Report[];
  reports = Array.isArray(parsed) ? parsed : [parsed];
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const results = (type: string, kind: 'passed_checks' | 'failed_checks' | 'skipped_checks') =>
  reports.find((r) => r.check_type === type)?.results?.[kind] ?? [];

describe.skipIf(!checkov)('checkov over the manifests, Dockerfiles and pipelines', () => {
  it.each(['kubernetes', 'dockerfile', 'azure_pipelines'])('%s: scanned, and no check fails', (type) => {
    expect(results(type, 'passed_checks').length, `${type}: checkov checked nothing`).toBeGreaterThan(0);
    const failed = results(type, 'failed_checks').map(
      (c) => `${c.check_id} ${c.check_name} (${path.basename(c.file_path)} ${c.resource})`,
    );
    expect(failed).toEqual([]);
  });

  it('every accepted finding says why, next to the code it concerns', () => {
    const skipped = ['kubernetes', 'dockerfile', 'azure_pipelines'].flatMap((t) =>
      results(t, 'skipped_checks'),
    );
    for (const c of skipped) {
      expect(
        c.check_result.suppress_comment?.trim().length ?? 0,
        `${c.check_id} in ${c.file_path}`,
      ).toBeGreaterThan(20);
    }
  });

  it('the scoring pods mount no Kubernetes API token (CKV_K8S_38 fixed, not skipped)', () => {
    const k8s38 = results('kubernetes', 'passed_checks').filter((c) => c.check_id === 'CKV_K8S_38');
    expect(k8s38.map((c) => c.resource)).toContain('Deployment.mm-serving.mm-scoring');
  });
});
