import { phoneNumberAssignedV1, tenantCreatedV1, voiceSettingsUpdatedV1 } from '@parley/contracts';
import { z } from 'zod';

/** The tenant service's voice directory snapshot, as voice checks it at its edge. */
export const directorySnapshotSchema = z.object({
  tenants: z.array(tenantCreatedV1.schema),
  numbers: z.array(phoneNumberAssignedV1.schema),
  users: z.array(z.object({ tenantId: z.uuid(), userId: z.uuid() })),
  seats: z.array(z.object({ tenantId: z.uuid(), userId: z.uuid() })),
  voiceSettings: z.array(voiceSettingsUpdatedV1.schema),
});

export type DirectorySnapshot = z.infer<typeof directorySnapshotSchema>;

export interface DirectorySnapshotClientOptions {
  /** GET URL of the snapshot (the tenant service's internal endpoint). */
  url: string;
  /** Sent as `x-parley-internal-token`. */
  token: string;
  /** Tries in all (default 6); only network failures, timeouts, 408, 429 and 5xx are tried again. */
  attempts?: number;
  /** Wait before the second try (default 500 ms), doubling up to `maxBackoffMs` (default 8 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per try (default 10 s). */
  timeoutMs?: number;
  logger?: { warn(o: object, m?: string): void };
}

/** The snapshot could not be had: the message names the URL and what went wrong (status, or network error). */
export class DirectorySnapshotError extends Error {
  override readonly name = 'DirectorySnapshotError';
}

type Attempt = { ok: true; snapshot: DirectorySnapshot } | { ok: false; retry: boolean; problem: string };

const HINTS: Record<number, string> = {
  401: 'does INTERNAL_API_TOKEN match the tenant service?',
  403: 'does INTERNAL_API_TOKEN match the tenant service?',
  404: 'is INTERNAL_API_TOKEN set on the tenant service, and is the URL right?',
};

function networkProblem(error: unknown, timeoutMs: number): string {
  // Duck-typed: fetch's errors may come from another realm (e.g. under Jest), where instanceof fails.
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const detail = [e.cause?.code, e.cause?.message, e.message].find((v): v is string => typeof v === 'string' && v.length > 0) ?? String(error);
  return `request failed (${detail})`;
}

async function attempt(options: Required<Pick<DirectorySnapshotClientOptions, 'url' | 'token' | 'timeoutMs'>>): Promise<Attempt> {
  let response: Response;
  try {
    response = await fetch(options.url, { headers: { 'x-parley-internal-token': options.token, accept: 'application/json' }, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    return { ok: false, retry: true, problem: networkProblem(error, options.timeoutMs) };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const retry = response.status >= 500 || response.status === 408 || response.status === 429;
    const hint = HINTS[response.status];
    return { ok: false, retry, problem: hint ? `${status} (${hint})` : status };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    return { ok: false, retry: false, problem: `HTTP ${response.status} but the body is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = directorySnapshotSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
    return { ok: false, retry: false, problem: `HTTP ${response.status} but the body is not a voice directory snapshot: ${issues.join('; ')}${more}` };
  }
  return { ok: true, snapshot: parsed.data };
}

/**
 * Fetches the tenant service's voice directory snapshot with bounded retries and backoff. Errors
 * that another try cannot fix (a wrong token or URL, a body that is not a snapshot) fail at once.
 */
export async function fetchDirectorySnapshot(options: DirectorySnapshotClientOptions): Promise<DirectorySnapshot> {
  const attempts = options.attempts ?? 6;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive whole number, got ${attempts}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let backoffMs = options.initialBackoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 8_000;
  for (let n = 1; ; n++) {
    const result = await attempt({ url: options.url, token: options.token, timeoutMs });
    if (result.ok) return result.snapshot;
    if (!result.retry) throw new DirectorySnapshotError(`voice directory snapshot from ${options.url}: ${result.problem}`);
    if (n >= attempts) throw new DirectorySnapshotError(`voice directory snapshot from ${options.url}: gave up after ${attempts} tries; the last: ${result.problem}`);
    options.logger?.warn({ url: options.url, attempt: n, of: attempts, problem: result.problem, retryInMs: backoffMs }, 'voice directory snapshot not available yet: trying again');
    await new Promise((resolve) => setTimeout(resolve, backoffMs));
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
  }
}
