// What a run of a compiled pipeline executes in one scenario: stages in dependency order, each stage only if its
// condition holds (a skipped dependency makes succeeded() false downstream), then each job's steps whose own
// conditions hold. The structural tests and the local dry run both read the pipelines through this.
import { evaluateCondition, type Scenario } from './condition.ts';
import { commandLines, type Job, type Pipeline, type Stage, type Step, scriptOf, stepsOf } from './expand.ts';

export interface ExecutedStep {
  stage: string;
  job: Job;
  step: Step;
  /** Command lines of the step's script, if it runs one. */
  commands: string[];
}

export function dependsOn(stage: Stage, previous: Stage | undefined): string[] {
  if (stage.dependsOn === undefined) return previous ? [previous.stage] : [];
  return Array.isArray(stage.dependsOn) ? stage.dependsOn.map(String) : [String(stage.dependsOn)];
}

/** Stages in an order that respects dependsOn; an unknown or cyclic dependency is an error. */
export function orderedStages(pipeline: Pipeline): Stage[] {
  const byName = new Map(pipeline.stages.map((s) => [s.stage, s]));
  const deps = new Map(pipeline.stages.map((s, i) => [s.stage, dependsOn(s, pipeline.stages[i - 1])]));
  const done: Stage[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (done.some((s) => s.stage === name)) return;
    const stage = byName.get(name);
    if (!stage) throw new Error(`stage '${name}' is a dependency but does not exist`);
    if (visiting.has(name)) throw new Error(`stage '${name}' depends on itself`);
    visiting.add(name);
    for (const dep of deps.get(name)!) visit(dep);
    visiting.delete(name);
    done.push(stage);
  };
  for (const s of pipeline.stages) visit(s.stage);
  return done;
}

export function executedStages(pipeline: Pipeline, variables: Record<string, string>): Stage[] {
  const ran = new Set<string>();
  const stages = orderedStages(pipeline);
  for (const stage of stages) {
    const scenario: Scenario = {
      variables: { ...pipeline.variables, ...variables },
      dependenciesSucceeded: dependsOn(stage, pipeline.stages[pipeline.stages.indexOf(stage) - 1]).every(
        (d) => ran.has(d),
      ),
    };
    if (evaluateCondition(stage.condition, scenario)) ran.add(stage.stage);
  }
  return stages.filter((s) => ran.has(s.stage));
}

export function executedSteps(pipeline: Pipeline, variables: Record<string, string>): ExecutedStep[] {
  const scenario: Scenario = { variables: { ...pipeline.variables, ...variables } };
  return executedStages(pipeline, variables).flatMap((stage) =>
    stage.jobs
      .filter((job) => evaluateCondition(job.condition, scenario))
      .flatMap((job) =>
        stepsOf(job)
          .filter((step) => evaluateCondition(step.condition, scenario))
          .map((step) => {
            const script = scriptOf(step);
            return { stage: stage.stage, job, step, commands: script ? commandLines(script) : [] };
          }),
      ),
  );
}
