import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeImage } from '../scripts/images/buildah.ts';
import { AcrGate } from './acr/acr-gate.ts';
import { pullImage } from './acr/pull.ts';
import { startRegistry } from './acr/registry-process.ts';
import { ArmGate, TokenBuckets } from './aml/arm-gate.ts';
import { simulateJobs } from './aml/jobs-state.ts';
import { simulateModels } from './aml/models-state.ts';
import { NodeRunner } from './aml/node-runner.ts';
import { runArmPipeline } from './aml/parallel/arm-pipeline.ts';
import { hostNodes, imageNodes, type NodeRuntime } from './aml/parallel/nodes.ts';
import { SpecServer } from './aml/spec-server.ts';
import { MsiEndpoint } from './identity/msi-endpoint.ts';
import { TokenIssuer } from './identity/tokens.ts';
import { portOf, TwinRouter } from './network/router.ts';
import { TwinEstate, type TwinPrincipal } from './rbac/estate.ts';
import { startTwinLakes, twinCredential } from './storage/lakes.ts';
import { SQL_ADMIN } from './synapse-sql/admin.ts';
import { duckSelect } from './synapse-sql/duck-select.ts';
import { estateDirectory, startSynapseSql } from './synapse-sql/endpoint.ts';
import { lakeViewFiles } from './synapse-sql/lake-files.ts';
import { selfSignedCertificate } from './tls.ts';

export interface TwinOptions {
  /** The app's root on the nodes (the repository until cluster nodes run in the runtime image). */
  appRoot: string;
  /** ARM's token buckets (default on, at the documented rates). */
  throttle?: boolean;
  /**
   * Where the cluster's pipeline jobs run their processes: in this container image (built by
   * scripts/images/app-images.ts), or on this host (the default). `environmentsDir` is mounted over the image's
   * /app/environments: the image carries the committed environment files, the twin's stacks differ from them.
   */
  nodes?: { image: string; digest?: string; environmentsDir?: string };
  /**
   * Start the dev and prod container registries (twin/acr/: needs Debian's docker-registry). A pipeline job whose
   * environment version names an image in one of them then runs on nodes of that image, pulled as the cluster's
   * identity (AcrPull), instead of on `nodes`.
   */
  registries?: boolean;
  onEvent?: (event: { job: string; node?: number; message: string }) => void;
}

/**
 * The whole Azure twin on loopback: Entra ID (tokens, the compute nodes' managed identity endpoint), both lakes,
 * Azure Resource Manager with both Azure ML workspaces (models, datastores, jobs that really run, environments),
 * role checks from the access plan, ARM throttling, and a router that sends Azure's host names to them.
 * `environmentFor(principals)` is what a process needs to be one of those principals against the twin.
 */
export async function startTwin(options: TwinOptions) {
  const estate = new TwinEstate({ subscriptionId: '00000000-0000-0000-0000-000000000000' });
  const issuer = new TokenIssuer(estate.tenantId);
  const tls = selfSignedCertificate([
    '*.blob.core.windows.net',
    'management.azure.com',
    '*.azurecr.io',
    '*.sql.azuresynapse.net',
  ]);
  const work = await mkdtemp(path.join(tmpdir(), 'mm-twin-'));
  const caFile = path.join(work, 'twin-ca.pem');
  await writeFile(caFile, tls.cert);
  // Azurite comes from this repository's node_modules, whatever app root the nodes run.
  const lakes = await startTwinLakes({
    estate,
    issuer,
    tls,
    repoRoot: path.resolve(import.meta.dirname, '..'),
  });
  const msi = await new MsiEndpoint(issuer).start();
  // The prod stack's Synapse serverless SQL endpoint (TDS on 1433 of a loopback address of its own), its Entra
  // admin a member of the SQL administrators group; views read the lakes as their caller.
  const synapse = await startSynapseSql({
    issuer,
    tls,
    admins: [SQL_ADMIN.principalId],
    directory: estateDirectory(estate),
    select: duckSelect(
      lakeViewFiles({
        accountUrl: (account) =>
          estate.environmentOfAccount(account) ? lakes.proxy.accountUrl(account) : undefined,
        credentialFor: (sid) =>
          twinCredential(
            issuer,
            estate.byPrincipalId(sid) ?? { name: sid, environment: 'prod', principalId: sid, clientId: sid },
          ),
        workDir: path.join(work, 'synapse-sql'),
      }),
    ),
  });
  const synapseHost = `${estate.names.prod.synapse}-ondemand.sql.azuresynapse.net`;
  // The hosts preload, beside the CA file so the nodes' containers can mount it at the same path.
  const hostsFile = path.join(work, 'twin-hosts.ts');
  await copyFile(path.join(import.meta.dirname, 'network', 'hosts.ts'), hostsFile);
  const gate = new ArmGate({
    estate,
    issuer,
    throttle: options.throttle === false ? undefined : new TokenBuckets(),
  });
  const ws = (env: 'dev' | 'prod') => `${estate.names[env].resourceGroup}/${estate.names[env].workspace}`;
  const envOfWs = (w: string): 'dev' | 'prod' => (w === ws('prod') ? 'prod' : 'dev');
  const arm = await new SpecServer({ workspaces: [ws('dev'), ws('prod')], gate, tls }).start();
  const datastores = (w: string) => {
    const env = envOfWs(w);
    return {
      mm_lake: { type: 'AzureDataLakeGen2' as const, accountName: estate.names[env].lake, container: 'lake' },
      mm_raw: { type: 'AzureDataLakeGen2' as const, accountName: estate.names[env].lake, container: 'raw' },
    };
  };
  const nodes: NodeRuntime = options.nodes
    ? imageNodes({
        image: options.nodes.image,
        ...(options.nodes.digest ? { digest: options.nodes.digest } : {}),
        mounts: [
          { source: caFile, target: caFile, readOnly: true },
          { source: hostsFile, target: hostsFile, readOnly: true },
          ...(options.nodes.environmentsDir
            ? [{ source: options.nodes.environmentsDir, target: '/app/environments', readOnly: true }]
            : []),
        ],
      })
    : hostNodes();
  /** Every pipeline job the twin ran, with where its nodes ran and how it ended. */
  const pipelineRuns: { job: string; where: () => string; status: () => string }[] = [];
  const models = simulateModels(arm, { subscriptionId: estate.subscriptionId, datastores, pageSize: 100 });
  const registry = options.registries ? await startRegistry(path.join(work, 'registry')) : undefined;
  const acr = registry
    ? await new AcrGate({ estate, issuer, upstream: registry.url, tls }).start()
    : undefined;
  const router = new TwinRouter()
    .route(/^[a-z0-9]+\.blob\.core\.windows\.net$/, portOf(lakes.proxy.endpoint))
    .route(/^management\.azure\.com$/, portOf(arm.endpoint));
  if (acr) router.route(/^[a-z0-9]+\.azurecr\.io$/, portOf(acr.endpoint));
  await router.start();
  /** Nodes of an image from the twin's registries, pulled once per image as `principalId`. */
  const pulled = new Map<string, Promise<NodeRuntime>>();
  const nodesOfImage = (image: string, principalId: string): Promise<NodeRuntime> => {
    const known = pulled.get(image);
    if (known) return known;
    const login = image.split('/')[0]!;
    const started = acr!
      .refreshTokenFor(principalId, login)
      .then((refreshToken) => pullImage(image, { refreshToken, caFile, proxy: router.url }))
      .then(({ digest }) =>
        imageNodes({
          image,
          digest,
          mounts: [
            { source: caFile, target: caFile, readOnly: true },
            { source: hostsFile, target: hostsFile, readOnly: true },
          ],
        }),
      );
    started.catch(() => pulled.delete(image)); // a later job tries again (the image may have been pushed since)
    pulled.set(image, started);
    return started;
  };
  const environmentFor = (principals: TwinPrincipal[], label: string): Record<string, string> => ({
    HTTPS_PROXY: router.url,
    NO_PROXY: '127.0.0.1,localhost',
    NODE_EXTRA_CA_CERTS: caFile,
    // What Azure ML sets for a compute cluster with user-assigned identities; no system-assigned default.
    DEFAULT_IDENTITY_CLIENT_ID: '',
    ...msi.environmentFor({ identities: principals, label }),
    // Synapse SQL is TDS over raw TCP, not HTTPS, so the proxy cannot carry it: the host name resolves to the
    // endpoint's loopback address instead, as a hosts file would (twin/network/hosts.ts; mounted on the nodes,
    // whose score pipeline's refresh_synapse step runs the refresh).
    MM_TWIN_HOSTS: `${synapseHost}=${synapse.address.host}`,
    NODE_OPTIONS: `--import ${hostsFile}`,
  });
  const runner = new NodeRunner({
    workDir: path.join(work, 'nodes'),
    appRoot: options.appRoot,
    datastore: (w, name) => {
      const d = datastores(w)[name as 'mm_lake'];
      return d ? { accountUrl: lakes.proxy.accountUrl(d.accountName), container: d.container } : undefined;
    },
    clusterIdentities: (w) => estate.clusterIdentities(envOfWs(w)),
    nodeEnvironment: (_w, principals, label) => environmentFor(principals, label),
    credential: (principal) => twinCredential(issuer, principal),
    onEvent: options.onEvent,
  });
  const jobs = simulateJobs(arm, estate.subscriptionId, {
    requireEnvironments: true,
    // Pipeline jobs (the aml engine's train and score) run on this host through twin/aml/parallel, as the
    // workspace cluster's one identity; command jobs on the node runner.
    run: (job) => {
      if (job.properties.jobType !== 'Pipeline') return runner.run(job);
      const env = envOfWs(job.ws);
      const account = estate.names[env].lake;
      const identities = estate.clusterIdentities(env);
      const running = runArmPipeline(job, {
        workDir: path.join(work, 'pipelines'),
        appRoot: options.appRoot,
        lake: {
          accountUrl: lakes.proxy.accountUrl(account),
          container: 'lake',
          publicUrl: `https://${account}.blob.core.windows.net/lake`,
        },
        identity: identities[0]!,
        credential: twinCredential(issuer, identities[0]!),
        nodeEnvironment: environmentFor(identities, job.name),
        components: jobs.components,
        codes: jobs.codes,
        ws: job.ws,
        nodes,
        ...(acr
          ? {
              nodesFor: async (environmentId: string) => {
                const m = /\/environments\/([^/]+)\/versions\/([^/]+)$/.exec(environmentId);
                const image = m ? jobs.environments.get(`${job.ws}/${m[1]}:${m[2]}`)?.image : undefined;
                if (typeof image !== 'string' || !/^[a-z0-9]+\.azurecr\.io\//.test(image)) return nodes;
                return nodesOfImage(image, identities[0]!.principalId);
              },
            }
          : {}),
        onEvent: (message) => options.onEvent?.({ job: job.name, message }),
      });
      pipelineRuns.push({ job: job.name, where: running.where, status: running.status });
      return running;
    },
  });
  return {
    estate,
    issuer,
    lakes,
    arm,
    msi,
    router,
    models,
    jobs,
    runner,
    nodes,
    acr,
    pipelineRuns,
    work,
    synapse,
    synapseHost,
    environmentFor,
    async stop() {
      for (const job of runner.jobs.values()) for (const node of job.nodes) node?.child?.kill('SIGKILL');
      await router.stop();
      await acr?.stop();
      await registry?.stop();
      // The images the nodes pulled: the next twin pulls them again from its own registry.
      for (const image of pulled.keys()) await removeImage(image).catch(() => undefined);
      await arm.stop();
      await synapse.stop();
      await msi.stop();
      await lakes.stop();
      // Inputs were made read-only as on a node; give the owner write access back to clean up.
      execFileSync('chmod', ['-R', 'u+w', work]);
      await rm(work, { recursive: true, force: true });
    },
  };
}

export type Twin = Awaited<ReturnType<typeof startTwin>>;
