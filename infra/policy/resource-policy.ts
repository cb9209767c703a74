import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from '@pulumi/policy';
import type * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';

/**
 * Small helpers shared by the rules. Everything here is type-only against @pulumi/policy and azure-native, so a
 * rule (and its test) loads no resource module and no gRPC server: rules are plain data plus a function.
 */

/** A resource's properties as the engine hands them to a policy: its resolved inputs. */
export type Props<TArgs> = Partial<pulumi.Unwrap<TArgs>>;

export type TypedCheck<TArgs> = (
  props: Props<TArgs>,
  args: ResourceValidationArgs,
  report: ReportViolation,
) => void;

/** Validation for one resource type; tagged with the type so the policy server skips other types cheaply. */
export function forType<TArgs>(type: string, check: TypedCheck<TArgs>): ResourceValidation {
  const validate: ResourceValidation = (args, report) => {
    if (args.type !== type) return;
    check(args.props as Props<TArgs>, args, report);
  };
  return Object.assign(validate, { __pulumiType: type });
}

/** Validation for several resource types at once (tag and placement rules). */
export function forTypes(
  types: ReadonlySet<string>,
  check: TypedCheck<Record<string, unknown>>,
): ResourceValidation {
  return (args, report) => {
    if (!types.has(args.type)) return;
    check(args.props, args, report);
  };
}

/** The Azure name of a resource when its props carry one, else its Pulumi name. */
export function azureName(
  props: Record<string, unknown>,
  args: Pick<ResourceValidationArgs, 'name'>,
  key: string,
) {
  const value = props[key];
  return typeof value === 'string' && value !== '' ? value : args.name;
}

/** Values as a message shows them: strings quoted, absent values named as such. */
export function show(value: unknown): string {
  if (value === undefined) return 'unset';
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value);
}

/** The stack segment of a URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
export function stackOf(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}

/**
 * Reads a policy's config through its zod schema (defaults applied). A wrong value in the policy-pack config
 * becomes a violation naming the policy and the key rather than an exception inside the engine.
 */
export function readConfig<T>(
  schema: z.ZodType<T>,
  policyName: string,
  args: Pick<ResourceValidationArgs, 'getConfig'>,
  report: ReportViolation,
): T | undefined {
  const result = schema.safeParse(args.getConfig<Record<string, unknown>>());
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  report(`policy config for ${policyName} is invalid: ${issues.join('; ')}`);
  return undefined;
}

/** The JSON schema the Pulumi engine validates `--policy-pack-config` against, derived from the zod one. */
export function configSchemaOf(schema: z.ZodObject): PolicyConfigSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: PolicyConfigSchema['properties'];
    required?: string[];
  };
  return { properties: json.properties ?? {}, ...(json.required?.length ? { required: json.required } : {}) };
}

export type { ResourceValidationPolicy };
