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

/**
 * Counts failures of one key and blocks the key for a while once too many fall in the window
 * (a login identity, a SIP source address). Whether the key exists elsewhere plays no part, so the
 * answers reveal nothing.
 */
export class FailureLimiter {
  constructor(
    private readonly store: CounterStore,
    private readonly policy: { maxFailures: number; windowSeconds: number; blockSeconds: number; prefix: string },
  ) {}

  async isBlocked(key: string): Promise<boolean> {
    return (await this.store.get(`${this.policy.prefix}:block:${key}`)) > 0;
  }

  /** Failures in the current window so far. */
  failures(key: string): Promise<number> {
    return this.store.get(`${this.policy.prefix}:fail:${key}`);
  }

  /** Records one failure; true when this one blocks the key. */
  async recordFailure(key: string): Promise<boolean> {
    const count = await this.store.increment(`${this.policy.prefix}:fail:${key}`, this.policy.windowSeconds);
    if (count < this.policy.maxFailures) return false;
    await this.store.increment(`${this.policy.prefix}:block:${key}`, this.policy.blockSeconds);
    await this.store.reset(`${this.policy.prefix}:fail:${key}`);
    return true;
  }

  async recordSuccess(key: string): Promise<void> {
    await this.store.reset(`${this.policy.prefix}:fail:${key}`);
  }
}
