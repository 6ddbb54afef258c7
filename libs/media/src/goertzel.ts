// Goertzel detector: the strength of one frequency in a block of samples without a full FFT —
// used by tests (which tone is on which channel) and by in-band DTMF detection.
import { SAMPLE_RATE } from './audio-frame';
import type { DtmfDigit } from './dtmf-rfc4733';

/**
 * Squared magnitude of `frequency` over `length` samples from `start` (generalised Goertzel: any
 * frequency, not only FFT bins). For a sine of amplitude A it is about (A·N/2)².
 */
export function goertzelPower(
  samples: ArrayLike<number>,
  frequency: number,
  sampleRate = SAMPLE_RATE,
  start = 0,
  length = samples.length - start,
): number {
  const coeff = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  const end = start + length;
  for (let i = start; i < end; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return Math.max(0, s1 * s1 + s2 * s2 - coeff * s1 * s2);
}

/** Estimated peak amplitude of `frequency` in the block (≈ A for a sine A·sin(2πft)). */
export function toneAmplitude(samples: ArrayLike<number>, frequency: number, sampleRate = SAMPLE_RATE, start = 0, length = samples.length - start): number {
  if (length <= 0) return 0;
  return (2 * Math.sqrt(goertzelPower(samples, frequency, sampleRate, start, length))) / length;
}

export function energy(samples: ArrayLike<number>, start = 0, length = samples.length - start): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += samples[i]! * samples[i]!;
  return sum;
}

/** Root mean square level of the block (0 for digital silence). */
export function rms(samples: ArrayLike<number>, start = 0, length = samples.length - start): number {
  return length > 0 ? Math.sqrt(energy(samples, start, length) / length) : 0;
}

export interface DominantFrequency {
  readonly frequency: number;
  readonly amplitude: number;
  /** Share of the block's energy at that frequency, 0..1 (≈1 for a clean tone). */
  readonly share: number;
}

/** Which of `candidates` is strongest in the block, how loud, and how much of the energy it holds. */
export function dominantFrequency(
  samples: ArrayLike<number>,
  candidates: readonly number[],
  sampleRate = SAMPLE_RATE,
  start = 0,
  length = samples.length - start,
): DominantFrequency {
  let best = { frequency: NaN, power: -1 };
  for (const frequency of candidates) {
    const power = goertzelPower(samples, frequency, sampleRate, start, length);
    if (power > best.power) best = { frequency, power };
  }
  const total = energy(samples, start, length);
  return {
    frequency: best.frequency,
    amplitude: length > 0 ? (2 * Math.sqrt(Math.max(0, best.power))) / length : 0,
    share: total > 0 ? Math.min(1, (2 * best.power) / (length * total)) : 0,
  };
}

const ROWS = [697, 770, 852, 941] as const;
const COLS = [1209, 1336, 1477, 1633] as const;
const KEYPAD: readonly (readonly DtmfDigit[])[] = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

/**
 * The DTMF digit present in a block (use ≥ 40 ms, 320 samples at 8 kHz), or null: one row and one
 * column tone, each clearly above the other tones of its group, together holding most of the energy.
 */
export function detectDtmfTone(samples: ArrayLike<number>, sampleRate = SAMPLE_RATE, start = 0, length = samples.length - start): DtmfDigit | null {
  const strongest = (freqs: readonly number[]): { index: number; power: number; second: number } => {
    let index = -1;
    let power = 0;
    let second = 0;
    freqs.forEach((f, i) => {
      const p = goertzelPower(samples, f, sampleRate, start, length);
      if (p > power) {
        second = power;
        power = p;
        index = i;
      } else if (p > second) second = p;
    });
    return { index, power, second };
  };
  const row = strongest(ROWS);
  const col = strongest(COLS);
  if (row.index < 0 || col.index < 0) return null;
  if (row.power < 6 * row.second || col.power < 6 * col.second) return null;
  const total = energy(samples, start, length);
  if (total === 0 || (2 * (row.power + col.power)) / (length * total) < 0.6) return null;
  return KEYPAD[row.index]![col.index]!;
}
