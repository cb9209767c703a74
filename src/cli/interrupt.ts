let controller: AbortController | undefined;

/**
 * The process's interrupt as an AbortSignal, for the stages that can stop cleanly (train, score, promotion): the
 * first Ctrl-C or SIGTERM asks the stage to finish the work in flight and stop, so nothing is left half-written and
 * `--resume` continues; a second one exits at once (130, as a shell reports an interrupt).
 */
export function interruptSignal(): AbortSignal {
  if (!controller) {
    const stopping = new AbortController();
    controller = stopping;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping.signal.aborted) process.exit(130);
      process.stderr.write(`mm: ${signal}: stopping after the work in flight (once more to stop at once)\n`);
      stopping.abort(new Error(`interrupted by ${signal}`));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return controller.signal;
}
