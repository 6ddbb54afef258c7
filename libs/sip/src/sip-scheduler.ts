// Time for the transaction layer: an injectable clock and timer service (RFC 3261 timers run on
// it), the real one on Node timers and a manual one for tests that advance time by hand.

/** RFC 3261 §17 timer base values, in milliseconds. */
export interface SipTimerConfig {
  /** RTT estimate (500 ms). */
  t1: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses (4 s). */
  t2: number;
  /** Longest time a message stays in the network (5 s). */
  t4: number;
}

export const DEFAULT_SIP_TIMERS: Readonly<SipTimerConfig> = { t1: 500, t2: 4000, t4: 5000 };

export interface SipTimerHandle {
  cancel(): void;
}

export interface SipScheduler {
  /** Milliseconds, monotonic enough for timers (the manual scheduler starts at 0). */
  now(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimer(delayMs: number, fn: () => void): SipTimerHandle;
}

/** Node timers, unref'd: pending retransmissions never keep a process alive on their own. */
export const realScheduler: SipScheduler = {
  now: () => performance.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, delayMs);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A scheduler whose time only moves when a test calls `advance`: timers fire in order, at once. */
export class ManualScheduler implements SipScheduler {
  private time = 0;
  private seq = 0;
  private timers: ManualTimer[] = [];

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, fn: () => void): SipTimerHandle {
    const timer: ManualTimer = { at: this.time + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Timers not yet fired nor cancelled. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in time order (timers set while firing included). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (!t.cancelled && t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (next === undefined) break;
      this.time = next.at;
      next.cancelled = true;
      this.timers = this.timers.filter((t) => !t.cancelled);
      next.fn();
    }
    this.time = end;
  }
}
