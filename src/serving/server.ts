import { EXIT, StageError } from '../core/errors.ts';
import { buildScoringApp, type ScoringApp, type ScoringAppOptions } from './app.ts';
import { isLoopback } from './auth.ts';

export interface ServerOptions extends ScoringAppOptions {
  host: string;
  port: number;
  /**
   * On SIGTERM, /readyz answers 503 for this long before the listener closes, so the load balancer (a
   * Kubernetes Service) stops routing here before connections are refused.
   */
  drainDelayMs?: number;
  /** Signals that trigger a graceful shutdown; none in tests. */
  signals?: readonly NodeJS.Signals[];
}

export interface RunningServer extends ScoringApp {
  /** http://host:port the server listens on (the real port when 0 was asked). */
  url: string;
  /** Stops accepting, lets in-flight requests finish, then closes; idempotent. */
  close(): Promise<void>;
  /** Resolves once the server has closed (after a signal or `close()`). */
  closed: Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startScoringServer(options: ServerOptions): Promise<RunningServer> {
  if (options.auth.mode === 'anonymous' && !isLoopback(options.host)) {
    throw new StageError(
      `anonymous mode listens on loopback only (127.0.0.1, ::1, localhost), not '${options.host}': ` +
        'use --auth entra with --auth-tenant, --auth-audience and --auth-role to expose the service',
      EXIT.badInput,
    );
  }
  const scoring = buildScoringApp(options);
  const { app } = scoring;
  const url = await app.listen({ host: options.host, port: options.port });
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      scoring.startDraining();
      if (options.drainDelayMs) await sleep(options.drainDelayMs);
      // fastify.close stops the listener, answers 503 to new requests on open connections, waits for
      // in-flight ones and closes idle keep-alive connections.
      await app.close();
      for (const signal of options.signals ?? []) process.off(signal, onSignal);
      resolveClosed();
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    app.log.info({ signal }, 'shutting down gracefully');
    void close();
  };
  for (const signal of options.signals ?? []) process.on(signal, onSignal);
  return { ...scoring, url, close, closed };
}
