import type { ComputeArgs } from '@pulumi/azure-native/machinelearningservices/compute.js';
import { z } from 'zod';
import {
  azureName,
  configSchemaOf,
  forType,
  type ResourceValidationPolicy,
  readConfig,
  show,
} from '../resource-policy.ts';

export const ML_COMPUTE = 'azure-native:machinelearningservices:Compute';

export const amlComputeConfigSchema = z.object({
  /** Longest idle time before nodes are released; a team with long gaps between jobs can raise it. */
  maxIdleMinutes: z.number().int().positive().default(30),
});

/** Seconds in an ISO 8601 time duration (PT10M, PT1H30M, PT120S); undefined when it is not one. */
export function durationSeconds(value: string): number | undefined {
  const match = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(value);
  if (!match || value === 'PT') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

interface AmlScale {
  minNodeCount?: number;
  maxNodeCount?: number;
  nodeIdleTimeBeforeScaleDown?: string;
}

const NAME = 'aml-compute-scales-to-zero';

export const amlComputeScalesToZero: ResourceValidationPolicy = {
  name: NAME,
  description: 'Azure ML compute clusters must scale to zero nodes and release idle nodes promptly.',
  enforcementLevel: 'mandatory',
  configSchema: configSchemaOf(amlComputeConfigSchema),
  validateResource: forType<ComputeArgs>(ML_COMPUTE, (props, args, report) => {
    const compute = props.properties as
      | { computeType?: string; properties?: { scaleSettings?: AmlScale } }
      | undefined;
    if (compute?.computeType !== 'AmlCompute') return;
    const config = readConfig(amlComputeConfigSchema, NAME, args, report);
    if (!config) return;
    const name = azureName(props, args, 'computeName');
    const scale = compute.properties?.scaleSettings;
    // Azure's default minimum is 0, so only an explicit other value keeps nodes running.
    const min = scale?.minNodeCount;
    if (min !== undefined && min !== 0) {
      report(
        `compute cluster '${name}' must scale to zero: set scaleSettings.minNodeCount to 0 (found ${show(min)})`,
      );
    }
    const idle = scale?.nodeIdleTimeBeforeScaleDown;
    const seconds = typeof idle === 'string' ? durationSeconds(idle) : undefined;
    if (seconds === undefined || seconds > config.maxIdleMinutes * 60) {
      report(
        `compute cluster '${name}' must release idle nodes within ${config.maxIdleMinutes} minutes: ` +
          `set scaleSettings.nodeIdleTimeBeforeScaleDown to an ISO 8601 duration such as PT10M (found ${show(idle)})`,
      );
    }
  }),
};
