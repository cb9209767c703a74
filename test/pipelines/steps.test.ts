import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expandPipeline,
  type Job,
  pipelinesDir,
  readYaml,
  repoRoot,
  type Step,
  scriptOf,
  stepsOf,
} from './expand.ts';

const pipelines = ['infra.yml', 'ml.yml'].map((name) => ({
  name,
  pipeline: expandPipeline(path.join(pipelinesDir, name)),
}));
// Both branches of every dry-run condition, so no step escapes the checks.
pipelines.push({
  name: 'ml.yml (dry run)',
  pipeline: expandPipeline(path.join(pipelinesDir, 'ml.yml'), { dryRun: true }),
});

const jobs = pipelines.flatMap(({ name, pipeline }) =>
  pipeline.stages.flatMap((stage) => stage.jobs.map((job) => ({ where: `${name} ${stage.stage}`, job }))),
);
const allSteps = jobs.flatMap(({ where, job }) => stepsOf(job).map((step) => ({ where, step })));
const lines = allSteps.flatMap(({ where, step }) =>
  (scriptOf(step) ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => ({ where, line })),
);
const packageScripts = Object.keys(
  (
    JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts,
);

describe('every step of both pipelines', () => {
  it('calls only step scripts that exist in steps/ (or the pipeline scripts beside the YAML)', () => {
    const called = lines.flatMap(({ where, line }) =>
      [...line.matchAll(/(?:^|[;&|]\s*)node\s+(\S+)/g)].map((m) => ({ where, script: m[1]! })),
    );
    expect(called.length).toBeGreaterThanOrEqual(6);
    for (const { where, script } of called) {
      expect(script, where).toMatch(/^(steps|\.azure-pipelines\/scripts|infra\/scripts)\/[\w-]+\.ts$/);
      expect(existsSync(path.join(repoRoot, script)), `${where}: ${script} exists`).toBe(true);
    }
    const stepScripts = readdirSync(path.join(repoRoot, 'steps'));
    for (const name of ['prepare', 'train', 'evaluate-and-promote', 'score']) {
      expect(stepScripts).toContain(`${name}.ts`);
      expect(called.map((c) => c.script)).toContain(`steps/${name}.ts`);
    }
  });

  it('calls only npm scripts that package.json defines', () => {
    const npm = lines.flatMap(({ where, line }) =>
      [...line.matchAll(/\bnpm\s+(run(?:-script)?\s+(\S+)|test|start|ci)\b/g)].map((m) => ({
        where,
        script: m[2] ?? m[1]!,
      })),
    );
    expect(npm.map((n) => n.script)).toEqual(expect.arrayContaining(['ci', 'typecheck', 'lint', 'test']));
    for (const { where, script } of npm.filter((n) => n.script !== 'ci')) {
      expect(packageScripts, `${where}: npm script '${script}'`).toContain(script);
    }
  });

  it('never sets continueOnError, in any file: a failing step fails the run', () => {
    const offenders: string[] = [];
    const walk = (value: unknown, where: string) => {
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walk(v, `${where}[${i}]`);
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'continueOnError' && String(v).toLowerCase() !== 'false') offenders.push(`${where}.${k}`);
          walk(v, `${where}.${k}`);
        }
      }
    };
    const files = [
      'infra.yml',
      'ml.yml',
      ...readdirSync(path.join(pipelinesDir, 'templates')).map((f) => `templates/${f}`),
    ];
    for (const f of files) walk(readYaml(path.join(pipelinesDir, f)), f);
    for (const { where, step } of allSteps) walk(step, where);
    expect(offenders).toEqual([]);
  });

  it('signs in to Azure only through the named workload-identity service connections', () => {
    const azure = allSteps.filter(({ step }) => typeof step.task === 'string' && /^Azure/i.test(step.task));
    expect(azure.length).toBeGreaterThanOrEqual(8);
    const named = new Set(
      Object.entries(pipelines[0]!.pipeline.variables)
        .filter(([k]) => k.startsWith('serviceConnection'))
        .map(([, v]) => v),
    );
    for (const { where, step } of azure) {
      const inputs = step.inputs as Record<string, unknown>;
      expect(step.task, where).toBe('AzureCLI@2');
      expect(named, where).toContain(inputs.azureSubscription);
      expect(inputs.addSpnToEnvironment, where).toBe(true);
      expect(inputs.inlineScript, `${where}: refuses a connection with a client secret`).toMatch(
        /if \[ -n "\$\{servicePrincipalKey:-\}" \]/,
      );
    }
  });

  it('sets up Node 24 and a cached npm ci in every job that runs node or npm', () => {
    const runsNode = (job: Job) => stepsOf(job).some((s) => /\b(node|npm)\s/.test(scriptOf(s) ?? ''));
    const using = jobs.filter(({ job }) => runsNode(job));
    expect(using.length).toBeGreaterThanOrEqual(8);
    for (const { where, job } of using) {
      const steps = stepsOf(job);
      const index = (match: (s: Step) => boolean) => steps.findIndex(match);
      const nodeTool = index((s) => s.task === 'NodeTool@0');
      const cache = index(
        (s) => s.task === 'Cache@2' && String((s.inputs as { key: string }).key).startsWith('npm'),
      );
      const install = index((s) => /^npm ci\b/.test(scriptOf(s) ?? ''));
      expect((steps[nodeTool]?.inputs as { versionSpec?: string })?.versionSpec, where).toBe('24.x');
      expect(nodeTool, where).toBeLessThan(cache);
      expect(cache, where).toBeLessThan(install);
      const firstUse = index((s) => /\bnode\s|npm (run|test)/.test(scriptOf(s) ?? ''));
      if (firstUse >= 0) expect(install, where).toBeLessThan(firstUse);
    }
  });

  it('installs the Pulumi CLI at the version of @pulumi/pulumi, verified by checksum, before any pulumi command', () => {
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    expect(pipelines[0]!.pipeline.variables.pulumiVersion).toBe(
      lock.packages['node_modules/@pulumi/pulumi']!.version,
    );
    for (const { where, job } of jobs) {
      const steps = stepsOf(job);
      const firstPulumi = steps.findIndex((s) => /^\s*pulumi /m.test(scriptOf(s) ?? ''));
      if (firstPulumi < 0) continue;
      const install = steps.findIndex((s) => /sha256sum --check/.test(scriptOf(s) ?? ''));
      expect(install, where).toBeGreaterThanOrEqual(0);
      expect(install, where).toBeLessThan(firstPulumi);
    }
  });
});
