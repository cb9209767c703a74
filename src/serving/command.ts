import { Command, InvalidArgumentError, Option } from 'commander';
import { type ConfigOptions, withConfigOptions } from '../config/command-options.ts';
import { type AuthOptions, authFromOptions, withAuthOptions } from './auth-options.ts';
import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_CACHE,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_HORIZON,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './defaults.ts';

interface ServeOptions extends ConfigOptions, AuthOptions {
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  host: string;
  port: number;
  cacheMaxModels: number;
  cacheMaxMb: number;
  versionTtlS: number;
  loadTimeoutMs: number;
  maxHorizon: number;
  bodyLimitKb: number;
  drainDelayMs: number;
  logLevel: string;
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got '${value}'`);
    }
    return n;
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

export function serveCommand(): Command {
  const command = new Command('serve').description(
    'Run the real-time scoring service: POST /v1/forecast answers from prod models loaded on demand into an LRU cache.',
  );
  return withAuthOptions(withConfigOptions(command))
    .addOption(
      new Option('--host <address>', 'address to listen on (0.0.0.0 in a container)').default('127.0.0.1'),
    )
    .addOption(
      new Option('--port <n>', 'port to listen on (0 = any free port)')
        .argParser(integer(0, 65535))
        .default(8080),
    )
    .addOption(
      new Option('--cache-max-models <n>', 'most models held in memory')
        .argParser(integer(1))
        .default(DEFAULT_CACHE.maxModels),
    )
    .addOption(
      new Option('--cache-max-mb <mb>', 'most artifact megabytes held in memory')
        .argParser(positive)
        .default(DEFAULT_CACHE.maxBytes / 1024 / 1024),
    )
    .addOption(
      new Option(
        '--version-ttl-s <s>',
        'seconds a cached model is used before its prod version is re-checked',
      )
        .argParser(positive)
        .default(DEFAULT_CACHE.versionTtlMs / 1000),
    )
    .addOption(
      new Option('--load-timeout-ms <ms>', 'a model load slower than this answers 503')
        .argParser(integer(1))
        .default(DEFAULT_CACHE.loadTimeoutMs),
    )
    .addOption(
      new Option('--max-horizon <n>', 'largest horizon a request may ask for')
        .argParser(integer(1, 10_000))
        .default(DEFAULT_MAX_HORIZON),
    )
    .addOption(
      new Option('--body-limit-kb <kb>', 'largest request body')
        .argParser(integer(1, 10_240))
        .default(DEFAULT_BODY_LIMIT / 1024),
    )
    .addOption(
      new Option(
        '--request-timeout-ms <ms>',
        'time allowed to receive a whole request, headers and body (408 after)',
      )
        .argParser(integer(100, 600_000))
        .default(DEFAULT_REQUEST_TIMEOUT_MS),
    )
    .addOption(
      new Option('--idle-timeout-ms <ms>', 'how long an idle keep-alive connection stays open')
        .argParser(integer(100, 600_000))
        .default(DEFAULT_IDLE_TIMEOUT_MS),
    )
    .addOption(
      new Option(
        '--drain-delay-ms <ms>',
        'on SIGTERM, answer /readyz 503 this long before closing the listener',
      )
        .argParser(integer(0, 600_000))
        .default(0),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .action(async (options: ServeOptions) => {
      // The service is loaded when it starts: `mm --help` and the other commands never load fastify.
      const [{ configFrom }, { registryFor }, { loadModel }, { startScoringServer }] = await Promise.all([
        import('../config/from-options.ts'),
        import('../registry/for-config.ts'),
        import('../models/index.ts'),
        import('./server.ts'),
      ]);
      const config = configFrom(options);
      const registry = registryFor(config, 'prod', { readsFromIndex: true });
      const server = await startScoringServer({
        registry,
        partitionBy: config.dataset.partitionBy,
        prepare: (artifact) => loadModel(artifact.model),
        host: options.host,
        port: options.port,
        maxHorizon: options.maxHorizon,
        bodyLimit: options.bodyLimitKb * 1024,
        requestTimeoutMs: options.requestTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        auth: authFromOptions(options),
        cache: {
          maxModels: options.cacheMaxModels,
          maxBytes: Math.floor(options.cacheMaxMb * 1024 * 1024),
          versionTtlMs: options.versionTtlS * 1000,
          loadTimeoutMs: options.loadTimeoutMs,
        },
        drainDelayMs: options.drainDelayMs,
        logger: { level: options.logLevel },
        signals: ['SIGTERM', 'SIGINT'],
      });
      const who =
        options.auth === 'entra'
          ? `Entra ID tokens with role ${options.authRole.join(' or ')}`
          : 'anonymous, loopback only';
      process.stderr.write(
        `mm serve: listening on ${server.url} (environment ${config.environment}, partitions by ${config.dataset.partitionBy.join(', ')}; callers: ${who})\n`,
      );
      await server.closed;
      process.stderr.write('mm serve: stopped\n');
    });
}
