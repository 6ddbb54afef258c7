import { type ClockTask, MediaClock, MediaClockConfigError, type MediaClockTimer } from './media-clock';

/** A manual timer; `lateness` delays every wake-up, like a busy event loop. */
class FakeTimer implements MediaClockTimer {
  time = 0;
  lateness = 0;
  private pending: { at: number; callback: () => void } | null = null;

  now(): number {
    return this.time;
  }

  set(callback: () => void, delayMs: number): unknown {
    this.pending = { at: this.time + delayMs + this.lateness, callback };
    return this.pending;
  }

  clear(handle: unknown): void {
    if (this.pending === handle) this.pending = null;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    while (this.pending && this.pending.at <= end) {
      const p = this.pending;
      this.pending = null;
      this.time = Math.max(this.time, p.at);
      p.callback();
    }
    this.time = end;
  }
}

function recorder(log: [string, number, number][], name: string, timer: FakeTimer): ClockTask {
  return { tick: (frame) => log.push([name, frame, timer.now()]) };
}

describe('MediaClock', () => {
  it('spreads tasks over the slots of the frame and ticks each every 20 ms', () => {
    const timer = new FakeTimer();
    const clock = new MediaClock({ timer });
    const log: [string, number, number][] = [];
    const slots = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => clock.add(recorder(log, n, timer)));
    expect(slots).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(clock.stats().slotLoad).toEqual([2, 2, 2, 2]);
    timer.advance(99);
    const times = (name: string): number[] => log.filter((l) => l[0] === name).map((l) => l[2]);
    const a = times('a');
    expect(a.slice(1).map((t, i) => t - a[i]!)).toEqual([20, 20, 20, 20]);
    // Tasks in the next slot run 5 ms later; the same slot runs together.
    expect(times('b').map((t, i) => t - a[i]!)).toEqual([5, 5, 5, 5, 5]);
    expect(times('e')).toEqual(a);
    expect(log.filter((l) => l[0] === 'd').map((l) => l[1])).toEqual([0, 1, 2, 3, 4]);
    clock.close();
  });

  it('does not drift although every wake-up is late', () => {
    const timer = new FakeTimer();
    timer.lateness = 0.7;
    const clock = new MediaClock({ timer, slots: 1 });
    const frames: number[] = [];
    clock.add({ tick: (f) => frames.push(f) });
    timer.advance(20_000);
    // 1,000 frames in 20 s, not 20 s / 20.7 ms = 966 as a re-armed interval would give.
    expect(frames.length).toBeGreaterThanOrEqual(999);
    expect(frames.length).toBeLessThanOrEqual(1001);
    expect(frames.every((f, i) => f === frames[0]! + i)).toBe(true);
    expect(clock.stats().lateMsMax).toBeLessThan(2);
    clock.close();
  });

  it('skips frames after a long stall instead of bursting them, and tells the tasks', () => {
    const timer = new FakeTimer();
    const clock = new MediaClock({ timer, slots: 1, maxLagMs: 100 });
    const frames: number[] = [];
    clock.add({ tick: (f) => frames.push(f) });
    timer.advance(40);
    timer.lateness = 500; // the event loop was blocked for half a second
    timer.advance(600);
    timer.lateness = 0;
    timer.advance(60);
    const jump = frames.findIndex((f, i) => i > 0 && f - frames[i - 1]! > 1);
    expect(jump).toBeGreaterThan(0);
    expect(frames[jump]! - frames[jump - 1]!).toBeGreaterThanOrEqual(20);
    expect(clock.stats().skippedFrames).toBeGreaterThanOrEqual(19);
    // Never more than the lag allowance run back to back.
    expect(frames.length).toBeLessThan(20);
    clock.close();
  });

  it('never ticks a task again once removed, even by another task of the same slot', () => {
    const timer = new FakeTimer();
    const clock = new MediaClock({ timer, slots: 1 });
    const ticks: string[] = [];
    const victim: ClockTask = { tick: () => ticks.push('victim') };
    const killer: ClockTask = {
      tick: () => {
        ticks.push('killer');
        clock.remove(victim);
        clock.remove(killer);
      },
    };
    const bystander: ClockTask = { tick: () => ticks.push('bystander') };
    clock.add(killer);
    clock.add(victim);
    clock.add(bystander);
    timer.advance(50);
    expect(ticks.filter((t) => t === 'victim')).toHaveLength(0);
    expect(ticks.filter((t) => t === 'killer')).toHaveLength(1);
    expect(ticks.filter((t) => t === 'bystander').length).toBeGreaterThanOrEqual(3);
    expect(clock.size).toBe(1);
    clock.close();
  });

  it('removes a task that throws, reports it and keeps the others running', () => {
    const timer = new FakeTimer();
    const errors: unknown[] = [];
    const clock = new MediaClock({ timer, slots: 1, onTaskError: (e) => errors.push(e) });
    let good = 0;
    clock.add({
      tick: () => {
        throw new Error('boom');
      },
    });
    clock.add({ tick: () => good++ });
    timer.advance(100);
    expect(errors).toEqual([new Error('boom')]);
    expect(good).toBeGreaterThanOrEqual(5);
    expect(clock.stats()).toMatchObject({ tasks: 1, taskErrors: 1 });
    clock.close();
  });

  it('stops its timer when empty and keeps frame numbers increasing when restarted', () => {
    const timer = new FakeTimer();
    const clock = new MediaClock({ timer, slots: 2 });
    const frames: number[] = [];
    const task: ClockTask = { tick: (f) => frames.push(f) };
    clock.add(task);
    timer.advance(45);
    clock.remove(task);
    timer.advance(1000);
    const before = frames.length;
    clock.add(task);
    timer.advance(45);
    expect(frames.slice(before)[0]).toBeGreaterThan(frames[before - 1]!);
    expect(frames.length - before).toBeGreaterThanOrEqual(2);
    clock.close();
  });

  it('paces real time: frame numbers follow the wall clock', async () => {
    const clock = new MediaClock();
    const frames: number[] = [];
    const started = performance.now();
    clock.add({ tick: (f) => frames.push(f) });
    await new Promise((r) => setTimeout(r, 400));
    const elapsed = performance.now() - started;
    clock.close();
    // Frame numbers track elapsed time even if a busy machine made the clock skip some.
    expect(Math.abs(frames.at(-1)! - frames[0]! - elapsed / 20)).toBeLessThanOrEqual(2);
    expect(frames.length).toBeGreaterThanOrEqual(10);
  });

  it('rejects a slot count that does not divide the frame sensibly', () => {
    expect(() => new MediaClock({ slots: 0 })).toThrow(MediaClockConfigError);
    expect(() => new MediaClock({ slots: 40 })).toThrow(/1 to 20/);
  });
});
