import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

/** A resource as the Pulumi engine shows it to a policy: type, name, URN and its input properties. */
export interface Candidate {
  type: string;
  props: Record<string, unknown>;
  name?: string;
  /** Stack the resource belongs to; goes into the URN. */
  stack?: string;
}

class NotApplicable extends Error {}

/**
 * Runs one policy's validations over one resource exactly as the analyzer does (args, reportViolation) and
 * returns the violation messages, in order. `config` is the policy's section of the policy-pack config.
 */
export function violations(
  policy: ResourceValidationPolicy,
  candidate: Candidate,
  config: Record<string, unknown> = {},
): string[] {
  const name = candidate.name ?? 'resource';
  const messages: string[] = [];
  const args: ResourceValidationArgs = {
    type: candidate.type,
    props: structuredClone(candidate.props),
    urn: `urn:pulumi:${candidate.stack ?? 'dev'}::many-models::${candidate.type}::${name}`,
    name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => structuredClone(config) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  for (const validate of validations) {
    try {
      validate?.(args, (message) => messages.push(message));
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
    }
  }
  return messages;
}

/** A copy of `base` with one (dotted) path set to a value, or removed when the value is undefined. */
export function withField(
  base: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    node[key] = { ...((node[key] as Record<string, unknown>) ?? {}) };
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** One row of a rule's table: set this (dotted) field to this value and expect exactly this message. */
export type FieldCase = readonly [
  policy: ResourceValidationPolicy,
  field: string,
  value: unknown,
  message: string,
];

/** The rows prefixed with their policy's name, so a failing row says which rule it exercised. */
export function fieldCases(
  rows: readonly FieldCase[],
): [string, ResourceValidationPolicy, string, unknown, string][] {
  return rows.map(([policy, field, value, message]) => [policy.name, policy, field, value, message]);
}
