import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listManagedClusterUserCredentialsOutput } from '@pulumi/azure-native/containerservice/listManagedClusterUserCredentials.js';
import { Provider } from '@pulumi/kubernetes/provider.js';
import * as pulumi from '@pulumi/pulumi';
import { parse, stringify } from 'yaml';
import { ScoringService } from './components/scoring-service.ts';
import type { InfraConfig } from './config.ts';

/** The repository root: scoring config files are named relative to it, like every other config. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

export type KubeloginMode = InfraConfig['aks']['kubeloginMode'];

interface KubeconfigUser {
  name?: string;
  user?: { exec?: { command?: string; args?: string[] } };
}

/**
 * AKS with local accounts off hands out an exec kubeconfig that runs kubelogin with interactive device-code
 * sign-in. A pipeline cannot answer a device code, so the login mode is switched to the one the agent has
 * (azurecli inside an AzureCLI task) and the interactive app's client id is dropped.
 */
export function withLoginMode(kubeconfigYaml: string, mode: KubeloginMode): string {
  const doc = parse(kubeconfigYaml) as { users?: KubeconfigUser[] } | null;
  if (!doc || !Array.isArray(doc.users)) throw new Error('the cluster returned a kubeconfig without users');
  for (const entry of doc.users) {
    const exec = entry.user?.exec;
    if (!exec?.command?.endsWith('kubelogin') || !exec.args) continue;
    const args: string[] = [];
    for (let i = 0; i < exec.args.length; i++) {
      const arg = exec.args[i] as string;
      if (arg === '--login' || arg === '-l' || arg === '--client-id') {
        i++;
        continue;
      }
      args.push(arg);
    }
    exec.args = [...args, '--login', mode];
  }
  return stringify(doc);
}

export interface ScoringDeploymentArgs {
  config: InfraConfig;
  resourceGroupName: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  scoringClientId: pulumi.Input<string>;
  /** Resources (role assignments, the federated credential) the pods need before they can start. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  readText?: (file: string) => string;
}

/** Deploys the scoring service into the AKS cluster when the stack config names its image; else nothing. */
export function deployScoringService(args: ScoringDeploymentArgs): ScoringService | undefined {
  const scoring = args.config.aks.scoring;
  if (!scoring) return undefined;
  const file = path.resolve(REPO_ROOT, scoring.configFile);
  let configYaml: string;
  try {
    configYaml = (args.readText ?? ((f) => readFileSync(f, 'utf8')))(file);
  } catch (error) {
    throw new Error(
      `many-models:aks.scoring.configFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const credentials = listManagedClusterUserCredentialsOutput({
    resourceGroupName: args.resourceGroupName,
    resourceName: args.clusterName,
    format: 'exec',
  });
  const kubeconfig = credentials.kubeconfigs.apply((configs) => {
    const value = configs[0]?.value;
    if (!value) throw new Error('the AKS cluster returned no user kubeconfig');
    return withLoginMode(Buffer.from(value, 'base64').toString('utf8'), args.config.aks.kubeloginMode);
  });
  const provider = new Provider(
    'aks-kubernetes',
    { kubeconfig: pulumi.secret(kubeconfig) },
    { dependsOn: args.dependsOn },
  );
  return new ScoringService(
    'scoring',
    {
      namespace: args.config.aks.namespace,
      serviceAccountName: args.config.aks.serviceAccount,
      workloadIdentityClientId: args.scoringClientId,
      tenantId: args.tenantId,
      image: scoring.image,
      configYaml,
      environment: args.config.environment,
      replicas: { min: scoring.minReplicas, max: scoring.maxReplicas },
      auth: { audience: scoring.audience, roles: scoring.roles },
      callerNamespaces: scoring.callerNamespaces,
      ...(scoring.ingress ? { ingress: scoring.ingress } : {}),
      provider,
    },
    { dependsOn: args.dependsOn },
  );
}
