import type { Environment, IdentityRole } from './naming.ts';

export interface StageIdentity {
  pipeline: 'ml' | 'images';
  stage: string;
  /** The stack whose identity the stage runs as. */
  stack: Environment;
  identity: IdentityRole;
  /** Azure DevOps service connection (workload identity federation) that acts as the identity. */
  serviceConnection: string;
  /** What the stage does with Azure, i.e. why it needs its identity's roles. */
  does: string;
}

/**
 * Which pipeline stage runs as which identity. Each service connection federates to exactly one identity
 * (many-models:federations in the stack file), so a stage holds exactly its identity's grants.
 */
export const STAGE_IDENTITIES: readonly StageIdentity[] = [
  {
    pipeline: 'ml',
    stage: 'Prepare',
    stack: 'dev',
    identity: 'dataprep',
    serviceConnection: 'mm-ml-dataprep',
    does: 'reads raw, writes prepared/',
  },
  {
    pipeline: 'ml',
    stage: 'Image',
    stack: 'dev',
    identity: 'training',
    serviceConnection: 'mm-ml-dev',
    does: 'builds this commit’s runtime image in the dev registry (ACR Tasks), registers its dev environment',
  },
  {
    pipeline: 'ml',
    stage: 'ImageProd',
    stack: 'prod',
    identity: 'build',
    serviceConnection: 'mm-image-push',
    does: 'builds this commit’s runtime image in the prod registry (ACR Tasks) for the prod jobs',
  },
  {
    pipeline: 'ml',
    stage: 'Train',
    stack: 'dev',
    identity: 'training',
    serviceConnection: 'mm-ml-dev',
    does: 'submits the training job to the dev workspace, writes runs/',
  },
  {
    pipeline: 'ml',
    stage: 'EvaluateAndPromote',
    stack: 'prod',
    identity: 'promotion',
    serviceConnection: 'mm-ml-promotion',
    does: 'reads the dev run and prepared/, registers prod models, writes registry/, runs/ and prepared/ of prod',
  },
  {
    pipeline: 'ml',
    stage: 'VerifyProd',
    stack: 'prod',
    identity: 'auditor',
    serviceConnection: 'mm-ml-audit',
    does: 're-verifies every prod model version’s promotion tags, read only',
  },
  {
    pipeline: 'ml',
    stage: 'ArchiveRejected',
    stack: 'prod',
    identity: 'promotion',
    serviceConnection: 'mm-ml-promotion',
    does: 'only when VerifyProd failed: re-verifies and archives the rejected prod versions, then fails the run',
  },
  {
    pipeline: 'ml',
    stage: 'Score',
    stack: 'prod',
    identity: 'scoring',
    serviceConnection: 'mm-ml-prod',
    does: 'submits the prod scoring job (no model writes), reads prod prepared/, writes predictions/, refreshes the Synapse view',
  },
  {
    pipeline: 'images',
    stage: 'Images',
    stack: 'prod',
    identity: 'build',
    serviceConnection: 'mm-image-push',
    does: 'pushes the scoring image to the prod registry and the runtime image to both',
  },
];
