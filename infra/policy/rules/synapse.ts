import type { BigDataPoolArgs } from '@pulumi/azure-native/synapse/bigDataPool.js';
import type { SqlPoolArgs } from '@pulumi/azure-native/synapse/sqlPool.js';
import { z } from 'zod';
import {
  azureName,
  configSchemaOf,
  forType,
  type ResourceValidationPolicy,
  readConfig,
  show,
} from '../resource-policy.ts';

export const SQL_POOL = 'azure-native:synapse:SqlPool';
export const SPARK_POOL = 'azure-native:synapse:BigDataPool';

/**
 * Advisory: a dedicated SQL pool bills by the hour from the moment it exists, and ARM cannot create one paused.
 * The predictions view runs on serverless SQL, which costs nothing while idle.
 */
export const synapseSqlServerlessOrPaused: ResourceValidationPolicy = {
  name: 'synapse-sql-serverless-or-paused',
  description: 'Prefer Synapse serverless SQL; a dedicated SQL pool must be paused when idle.',
  enforcementLevel: 'advisory',
  validateResource: forType<SqlPoolArgs>(SQL_POOL, (props, args, report) => {
    const name = azureName(props, args, 'sqlPoolName');
    const sku = props.sku?.name;
    report(
      `dedicated SQL pool '${name}' (${sku ?? 'default SKU'}) bills by the hour while online: ` +
        'use serverless SQL, or pause it whenever it is idle (az synapse sql pool pause)',
    );
  }),
};

export const sparkAutoPauseConfigSchema = z.object({
  maxDelayMinutes: z.number().int().positive().default(60),
});

const SPARK = 'synapse-spark-auto-pause';

export const synapseSparkAutoPause: ResourceValidationPolicy = {
  name: SPARK,
  description: 'Synapse Spark pools must pause themselves when idle.',
  enforcementLevel: 'mandatory',
  configSchema: configSchemaOf(sparkAutoPauseConfigSchema),
  validateResource: forType<BigDataPoolArgs>(SPARK_POOL, (props, args, report) => {
    const config = readConfig(sparkAutoPauseConfigSchema, SPARK, args, report);
    if (!config) return;
    const name = azureName(props, args, 'bigDataPoolName');
    const pause = props.autoPause;
    if (pause?.enabled !== true) {
      report(
        `Spark pool '${name}' must pause when idle: set autoPause.enabled to true (found ${show(pause?.enabled)})`,
      );
      return;
    }
    const delay = pause.delayInMinutes;
    if (delay === undefined || delay > config.maxDelayMinutes) {
      report(
        `Spark pool '${name}' must pause within ${config.maxDelayMinutes} idle minutes: ` +
          `set autoPause.delayInMinutes (found ${show(delay)})`,
      );
    }
  }),
};
