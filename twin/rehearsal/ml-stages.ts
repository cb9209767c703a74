import path from 'node:path';
import { STAGE_IDENTITIES } from '../../infra/access-plan.ts';
import type { Environment } from '../../infra/naming.ts';
import { executedSteps } from '../../test/pipelines/execution.ts';
import { expandPipeline } from '../../test/pipelines/expand.ts';

/**
 * What the rehearsal runs, read from `.azure-pipelines/ml.yml` itself (compiled by the same expander the pipeline
 * tests use), so the rehearsal cannot drift from the pipeline: every executed step's `node ...` command line, in
 * the order a run executes them, and the identity the step signs in as (its AzureCLI@2 service connection, looked
 * up in infra/access-plan.ts STAGE_IDENTITIES). A plain `script:` step signs in as nobody.
 */
export interface RehearsalStep {
  stage: string;
  displayName: string;
  /** The command line with every `$(macro)` resolved. */
  command: string;
  /** The service connection's identity, or undefined for a step that signs in to nothing. */
  identity?: { stack: Environment; role: string; serviceConnection: string };
}

/** `$(name)` macros, resolved recursively (`runId: ado-$(Build.BuildId)`); an unknown macro is an error. */
export function resolveMacros(text: string, variables: Record<string, string>, where: string): string {
  let out = text;
  for (let depth = 0; depth < 10 && /\$\(([A-Za-z0-9_.]+)\)/.test(out); depth++) {
    out = out.replace(/\$\(([A-Za-z0-9_.]+)\)/g, (_, name: string) => {
      const value = variables[name];
      if (value === undefined) throw new Error(`${where}: $(${name}) has no value in the rehearsal`);
      return value;
    });
  }
  return out;
}

export function rehearsalSteps(
  mlFile: string,
  /** Runtime variables Azure DevOps sets (Build.BuildId, System.JobAttempt, ...). */
  runtime: Record<string, string>,
  parameters: Record<string, unknown> = {},
): RehearsalStep[] {
  const pipeline = expandPipeline(mlFile, parameters);
  const variables = { ...pipeline.variables, ...runtime };
  const steps: RehearsalStep[] = [];
  for (const executed of executedSteps(pipeline, runtime)) {
    const node = executed.commands.filter((c) => c.startsWith('node '));
    if (node.length === 0) continue;
    const where = `${path.basename(mlFile)} stage ${executed.stage}`;
    const inputs = (executed.step.inputs ?? {}) as { azureSubscription?: string };
    let identity: RehearsalStep['identity'];
    if (executed.step.task === 'AzureCLI@2') {
      const connection = resolveMacros(String(inputs.azureSubscription), variables, where);
      const planned = STAGE_IDENTITIES.find((s) => s.serviceConnection === connection);
      if (!planned) throw new Error(`${where}: service connection ${connection} is not in STAGE_IDENTITIES`);
      identity = { stack: planned.stack, role: planned.identity, serviceConnection: connection };
    }
    for (const line of node) {
      steps.push({
        stage: executed.stage,
        displayName: String(executed.step.displayName ?? executed.stage),
        command: resolveMacros(line, variables, where),
        ...(identity ? { identity } : {}),
      });
    }
  }
  return steps;
}
