export interface Closable {
  name: string;
  close(): Promise<unknown>;
}

/**
 * On SIGTERM or SIGINT, closes each resource in order (e.g. the HTTP app first, so requests in
 * flight finish and the outbox relay drains, then the bus and the database), then exits.
 * A second signal, or a close taking longer than `timeoutMs`, exits at once with code 1.
 */
export function closeOnSignals(resources: Closable[], logger: { info(o: object, m?: string): void; error(o: object, m?: string): void }, timeoutMs = 25_000): void {
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) {
      logger.error({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down: draining');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    let failed = false;
    for (const resource of resources) {
      try {
        await resource.close();
      } catch (error) {
        failed = true;
        logger.error({ err: error, resource: resource.name }, 'error while closing');
      }
    }
    logger.info({}, 'stopped');
    process.exit(failed ? 1 : 0);
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));
}

/** Runs a service's `main`; a failure to start is printed (with what failed) and exits with code 1. */
export function runMain(main: () => Promise<void>, what = 'service'): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${what} failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
