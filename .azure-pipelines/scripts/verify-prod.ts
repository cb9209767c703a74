// Pipeline entry point (ml.yml, stage VerifyProd, identity `auditor`: Reader on the prod workspace, Blob Reader on
// the prod lake): node .azure-pipelines/scripts/verify-prod.ts --config <dataset.yaml> --env <env> --run <id>
// Exit 0: every prod version of the run passes the promotion rules; 1: at least one does not; 2: bad input.
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import { registryFor } from '../../src/registry/for-config.ts';
import { verifyProdModels } from './verify-prod-models.ts';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

try {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, env: { type: 'string' }, run: { type: 'string' } },
  });
  if (!values.config || !values.env || !values.run || !RUN_ID.test(values.run)) {
    console.error('usage: verify-prod.ts --config <dataset.yaml> --env <env> --run <run id>');
    process.exit(2);
  }
  const config = loadConfig({ configPath: values.config, env: values.env });
  const verdict = await verifyProdModels(registryFor(config, 'prod'), config.promotion, values.run);
  for (const line of verdict.rejected) console.log(`##vso[task.logissue type=error]${line}`);
  console.log(
    `verify-prod: ${verdict.checked} prod version(s) of run ${values.run} checked, ${verdict.rejected.length} rejected`,
  );
  process.exitCode = verdict.rejected.length > 0 ? 1 : 0;
} catch (error) {
  console.error(`verify-prod: ${(error as Error).message}`);
  process.exitCode = 2;
}
