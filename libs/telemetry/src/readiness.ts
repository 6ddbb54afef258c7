/** One dependency the service needs before it can take traffic. `check` throws (or rejects) when not ready. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  /** `'ok'` or the failure message, per check name. */
  checks: Record<string, string>;
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

/** Runs every check in parallel, each bounded by `timeoutMs`; never throws. */
export async function runReadinessChecks(checks: readonly ReadinessCheck[], timeoutMs: number = DEFAULT_READINESS_TIMEOUT_MS): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
      });
      try {
        await Promise.race([Promise.resolve().then(check), timeout]);
        return [name, 'ok'];
      } catch (error: unknown) {
        return [name, error instanceof Error ? error.message || error.name : String(error)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: Record<string, string> = Object.fromEntries(results);
  return { ready: results.every(([, status]) => status === 'ok'), checks: report };
}
