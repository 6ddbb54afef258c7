/** Where the routing engine reads the time (epoch milliseconds): the system clock live, a manual one in simulations and tests. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to (simulated time). Time never goes backwards. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`ManualClock start must be a finite number, got ${start}`);
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves to `at`; refuses to go back in time. */
  set(at: number): void {
    if (!Number.isFinite(at)) throw new RangeError(`ManualClock.set needs a finite time, got ${at}`);
    if (at < this.current) throw new RangeError(`ManualClock cannot go back from ${this.current} to ${at}`);
    this.current = at;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advance needs a finite ms >= 0, got ${ms}`);
    this.current += ms;
  }
}
