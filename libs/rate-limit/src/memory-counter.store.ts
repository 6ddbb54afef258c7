import { type CounterStore } from './counter-store.port';

/** In-process counters for the all-in-one mode (one process) and unit tests. */
export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, { count: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async increment(key: string, windowSeconds: number): Promise<number> {
    const current = this.live(key);
    const next = current ? { count: current.count + 1, expiresAt: current.expiresAt } : { count: 1, expiresAt: this.now() + windowSeconds * 1000 };
    this.counters.set(key, next);
    this.sweep();
    return next.count;
  }

  async get(key: string): Promise<number> {
    return this.live(key)?.count ?? 0;
  }

  async reset(key: string): Promise<void> {
    this.counters.delete(key);
  }

  private live(key: string): { count: number; expiresAt: number } | undefined {
    const entry = this.counters.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Bounds memory: drops expired entries once the map grows. */
  private sweep(): void {
    if (this.counters.size < 10_000) return;
    const now = this.now();
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
  }
}
