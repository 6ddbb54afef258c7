// Checks on what a side of a call heard, robust to a loaded machine: the audio is judged in short
// windows, and most windows must pass. A Goertzel over the whole stream would be coherent over
// seconds, so the few frames a stalled clock drops or repeats (phase jumps) would cancel the very
// tone it looks for; a window holds at most a jump or two.
import { dominantFrequency, toneAmplitude } from '../src/goertzel';

export const FRAME = 160;

/** The 20 ms frames of a recorded channel. */
export function framesOf(samples: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + FRAME <= samples.length; i += FRAME) out.push(samples.subarray(i, i + FRAME));
  return out;
}

function rms(frame: Int16Array): number {
  let sum = 0;
  for (const s of frame) sum += s * s;
  return Math.sqrt(sum / Math.max(1, frame.length));
}

/** Frames that carry sound (RMS above 300: not the digital silence the engine sends meanwhile). */
export function audible(frames: readonly Int16Array[]): Int16Array[] {
  return frames.filter((frame) => rms(frame) > 300);
}

/** Consecutive windows of `size` frames (a shorter last one is dropped). */
export function windowsOf(frames: readonly Int16Array[], size: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + size <= frames.length; i += size) {
    const window = new Int16Array(size * FRAME);
    for (let j = 0; j < size; j++) window.set(frames[i + j]!.subarray(0, FRAME), j * FRAME);
    out.push(window);
  }
  return out;
}

export interface ToneReport {
  readonly windows: number;
  /** 80 ms windows (4 frames) whose strongest candidate is the tone, clean (share > 0.9) and at the level it was sent (6500–9500). */
  readonly clean: number;
}

/**
 * How many windows of `frames` hold a clean `hz` tone at the sent level (amplitude 8000). The level
 * also catches a wrong G.711 law on the way: µ-law bytes decoded as A-law (or the reverse) keep the
 * frequency but come out about three times as loud.
 */
export function toneReport(frames: readonly Int16Array[], hz: number, candidates: readonly number[]): ToneReport {
  const windows = windowsOf(frames, 4);
  const clean = windows.filter((window) => {
    const found = dominantFrequency(window, candidates);
    return found.frequency === hz && found.share > 0.9 && found.amplitude > 6500 && found.amplitude < 9500;
  }).length;
  return { windows: windows.length, clean };
}

/**
 * Median amplitude of each frequency over the 200 ms windows (10 frames) of `frames`, 0 when there
 * is no window. A tone of amplitude 8000 leaks under 100 into another candidate 180 Hz away.
 */
export function toneLevels(frames: readonly Int16Array[], frequencies: readonly number[]): Record<number, number> {
  const windows = windowsOf(frames, 10);
  const median = (values: number[]): number => {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  return Object.fromEntries(frequencies.map((hz) => [hz, median(windows.map((window) => toneAmplitude(window, hz)))]));
}
