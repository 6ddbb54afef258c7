/** Timers a test fires by hand, with the delays they were set for (the shape of setTimeout/clearTimeout the live feed and the softphone take). */
export class ManualTimers {
  pending: { callback: () => void; ms: number; handle: number }[] = [];
  private next = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    this.next += 1;
    this.pending.push({ callback, ms, handle: this.next });
    return this.next;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((t) => t.handle !== handle);
  }

  /** Runs the oldest pending timer; returns the delay it was set for. */
  fire(): number {
    const timer = this.pending.shift();
    if (!timer) throw new Error('no timer pending');
    timer.callback();
    return timer.ms;
  }
}
