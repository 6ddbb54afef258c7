// The process's media clock: one paced 20 ms frame clock that drives every leg. The frame is cut
// into slots (default 4 × 5 ms) and each task is placed in the least loaded slot, so 1,000 legs do
// not all send in the same instant (which overflowed receive buffers: 10 % loss, see VOICE.md).
// Slot times are computed from a monotonic origin (origin + n × slot), never by accumulating
// timer delays, so the clock does not drift; after a stall longer than `maxLagMs` it skips the
// missed frames (tasks see the frame number jump) instead of sending a burst.

export interface ClockTask {
  /** Runs once per frame in the task's slot. `frame` increases by 1 per 20 ms (more after a skip). */
  tick(frame: number): void;
}

/** Time source and timer, injectable for tests. `now()` must be monotonic milliseconds. */
export interface MediaClockTimer {
  now(): number;
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export interface MediaClockOptions {
  readonly frameMs?: number;
  /** Slots per frame; default 4 (5 ms apart). */
  readonly slots?: number;
  /** Further behind than this, missed frames are skipped rather than run late; default 100 ms. */
  readonly maxLagMs?: number;
  readonly timer?: MediaClockTimer;
  /** A task that throws is removed and reported here (the clock keeps running for the others). */
  readonly onTaskError?: (error: unknown, task: ClockTask) => void;
}

export interface MediaClockStats {
  readonly tasks: number;
  /** Tasks per slot. */
  readonly slotLoad: readonly number[];
  readonly slotRuns: number;
  /** How late slots started, in ms. */
  readonly lateMsMax: number;
  readonly lateMsAvg: number;
  readonly skippedFrames: number;
  /** Time spent inside tasks. */
  readonly busyMs: number;
  readonly taskErrors: number;
}

export class MediaClockConfigError extends Error {
  override readonly name = 'MediaClockConfigError';
}

const realTimer: MediaClockTimer = {
  now: () => performance.now(),
  set: (callback, delayMs) => {
    const t = setTimeout(callback, delayMs);
    t.unref();
    return t;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Placement {
  slot: number;
  index: number;
}

export class MediaClock {
  readonly frameMs: number;
  readonly slots: number;
  private readonly slotMs: number;
  private readonly maxLagMs: number;
  private readonly timer: MediaClockTimer;
  private readonly onTaskError: ((error: unknown, task: ClockTask) => void) | undefined;
  private readonly lists: (ClockTask | null)[][];
  private readonly live: number[];
  private readonly placement = new Map<ClockTask, Placement>();
  private origin = 0;
  /** Slots run since the origin: slot = counter % slots, frame = floor(counter / slots). */
  private counter = 0;
  private handle: unknown = null;
  private runningSlot = -1;
  private waking = false;
  private tombstones = false;
  private slotRuns = 0;
  private lateMsMax = 0;
  private lateMsSum = 0;
  private lateSamples = 0;
  private skippedFrames = 0;
  private busyMs = 0;
  private taskErrors = 0;

  constructor(options: MediaClockOptions = {}) {
    this.frameMs = options.frameMs ?? 20;
    this.slots = options.slots ?? 4;
    if (!Number.isInteger(this.slots) || this.slots < 1 || this.slots > this.frameMs) {
      throw new MediaClockConfigError(`media clock slots must be an integer from 1 to ${this.frameMs}, got ${this.slots}`);
    }
    this.slotMs = this.frameMs / this.slots;
    this.maxLagMs = options.maxLagMs ?? 100;
    this.timer = options.timer ?? realTimer;
    this.onTaskError = options.onTaskError;
    this.lists = Array.from({ length: this.slots }, () => []);
    this.live = new Array<number>(this.slots).fill(0);
  }

  get size(): number {
    return this.placement.size;
  }

  has(task: ClockTask): boolean {
    return this.placement.has(task);
  }

  /** Adds a task to the least loaded slot (first tick at that slot's next turn); returns the slot. */
  add(task: ClockTask): number {
    const existing = this.placement.get(task);
    if (existing) return existing.slot;
    let slot = 0;
    for (let s = 1; s < this.slots; s++) if (this.live[s]! < this.live[slot]!) slot = s;
    const list = this.lists[slot]!;
    this.placement.set(task, { slot, index: list.length });
    list.push(task);
    this.live[slot]!++;
    if (this.handle === null && !this.waking) this.start();
    return slot;
  }

  /** Removes a task; it is not called again (even later in the slot run that is removing it). */
  remove(task: ClockTask): boolean {
    const place = this.placement.get(task);
    if (!place) return false;
    this.placement.delete(task);
    this.live[place.slot]!--;
    const list = this.lists[place.slot]!;
    if (this.runningSlot === place.slot) {
      list[place.index] = null;
      this.tombstones = true;
    } else {
      this.swapRemove(list, place.index);
    }
    if (this.placement.size === 0) this.stop();
    return true;
  }

  private swapRemove(list: (ClockTask | null)[], index: number): void {
    const last = list.pop()!;
    if (index < list.length) {
      list[index] = last;
      if (last) this.placement.get(last)!.index = index;
    }
  }

  private start(): void {
    // Frame numbers keep increasing across stop/start.
    this.counter = Math.ceil(this.counter / this.slots) * this.slots;
    this.origin = this.timer.now() - this.counter * this.slotMs;
    this.handle = this.timer.set(this.wake, 0);
  }

  private stop(): void {
    if (this.handle !== null) this.timer.clear(this.handle);
    this.handle = null;
  }

  private readonly wake = (): void => {
    this.handle = null;
    this.waking = true;
    const now = this.timer.now();
    let due = this.origin + this.counter * this.slotMs;
    if (now - due > this.maxLagMs) {
      const behind = Math.floor((now - due) / this.slotMs);
      this.counter += behind;
      this.skippedFrames += behind / this.slots;
      due = this.origin + this.counter * this.slotMs;
    }
    const late = now - due;
    if (late > this.lateMsMax) this.lateMsMax = late;
    this.lateMsSum += late;
    this.lateSamples++;
    while (due <= now && this.placement.size > 0) {
      this.runSlot(this.counter % this.slots, Math.floor(this.counter / this.slots));
      this.counter++;
      due = this.origin + this.counter * this.slotMs;
    }
    this.waking = false;
    if (this.placement.size > 0 && this.handle === null) {
      this.handle = this.timer.set(this.wake, Math.max(0, due - this.timer.now()));
    }
  };

  private runSlot(slot: number, frame: number): void {
    const list = this.lists[slot]!;
    const n = list.length;
    if (n === 0) return;
    this.slotRuns++;
    const started = this.timer.now();
    this.runningSlot = slot;
    for (let i = 0; i < n; i++) {
      const task = list[i];
      if (!task) continue;
      try {
        task.tick(frame);
      } catch (error) {
        this.taskErrors++;
        this.remove(task);
        this.onTaskError?.(error, task);
      }
    }
    this.runningSlot = -1;
    if (this.tombstones) {
      this.tombstones = false;
      for (let s = 0; s < this.slots; s++) {
        const l = this.lists[s]!;
        for (let i = l.length - 1; i >= 0; i--) if (l[i] === null) this.swapRemove(l, i);
      }
    }
    this.busyMs += this.timer.now() - started;
  }

  stats(): MediaClockStats {
    return {
      tasks: this.placement.size,
      slotLoad: [...this.live],
      slotRuns: this.slotRuns,
      lateMsMax: this.lateMsMax,
      lateMsAvg: this.lateSamples ? this.lateMsSum / this.lateSamples : 0,
      skippedFrames: this.skippedFrames,
      busyMs: this.busyMs,
      taskErrors: this.taskErrors,
    };
  }

  resetStats(): void {
    this.slotRuns = 0;
    this.lateMsMax = 0;
    this.lateMsSum = 0;
    this.lateSamples = 0;
    this.skippedFrames = 0;
    this.busyMs = 0;
    this.taskErrors = 0;
  }

  /** Removes every task and stops the timer. */
  close(): void {
    this.stop();
    this.placement.clear();
    for (const list of this.lists) list.length = 0;
    this.live.fill(0);
  }
}

let shared: MediaClock | null = null;

/** The one clock of this process (or worker thread): every leg should tick on it. */
export function sharedMediaClock(): MediaClock {
  shared ??= new MediaClock();
  return shared;
}
