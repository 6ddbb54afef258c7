import { createRequire } from 'node:module';

/**
 * Works around a kafkajs 2.2.x defect (the project is unmaintained upstream):
 * `RequestQueue.scheduleCheckPendingRequests` arms a timer even when nothing is pending, with a
 * negative delay (`-1 - Date.now()`) that Node clamps to 1 ms. Every broker connection then spins a
 * 1 ms timer for its whole life (about 5 % of a core for an idle producer and admin, measured) and
 * Node 24 prints a `TimeoutNegativeWarning`. The replacement keeps the method's logic but arms the
 * timer only when a request is waiting. Applied once, and only to the kafkajs line it was written for.
 */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
let applied: boolean | undefined;

export function patchKafkaRequestQueue(): boolean {
  if (applied !== undefined) return applied;
  applied = false;
  try {
    const load = createRequire(require.resolve('kafkajs'));
    const { version } = load('./package.json') as { version: string };
    if (!version.startsWith('2.2.')) return false;
    const RequestQueue = load('./src/network/requestQueue') as { prototype: RequestQueueInternals };
    if (typeof RequestQueue.prototype.scheduleCheckPendingRequests !== 'function') return false;
    RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
      if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
      const throttledFor = this.throttledUntil - Date.now();
      this.throttleCheckTimeoutId = setTimeout(
        () => {
          this.throttleCheckTimeoutId = null;
          this.checkPendingRequests();
        },
        throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL_MS,
      );
    };
    applied = true;
  } catch {
    // A different kafkajs layout: leave it as it is.
  }
  return applied;
}
