/**
 * Fixed-window counters keyed by a tenant-free string (client address, login identity), shared by
 * every replica through Redis in production; in memory in the all-in-one mode and unit tests.
 */
export interface CounterStore {
  /** Adds 1 to `key` and returns the new count; the count expires `windowSeconds` after the first hit. */
  increment(key: string, windowSeconds: number): Promise<number>;
  get(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export const COUNTER_STORE = Symbol.for('parley:tenant:counter-store');

/** Redis keys of the tenant service's counters, built in one place. */
export const counterKeys = {
  signupByAddress: (address: string): string => `tenant:ratelimit:signup:${address}`,
  loginFailures: (tenantSlug: string, email: string): string => `tenant:login-failures:${tenantSlug}:${email}`,
  loginLock: (tenantSlug: string, email: string): string => `tenant:login-lock:${tenantSlug}:${email}`,
};
