// Tone generation as PCM16 at 8 kHz: sines, DTMF pairs and on/off cadences (ringback, busy, a
// music-on-hold melody). Patterns are rendered once into a loop buffer that every call shares.
import { FRAME_SAMPLES, SAMPLE_RATE } from './audio-frame';
import { eventOfDigit, type DtmfDigit } from './dtmf-rfc4733';

export class ToneSpecError extends Error {
  override readonly name = 'ToneSpecError';
}

/** One step of a cadence: the frequencies played together (none = silence) for `durationMs`. */
export interface ToneSegment {
  readonly frequencies: readonly number[];
  readonly durationMs: number;
  /** Peak amplitude of each frequency; default 6000 (about −15 dBFS per tone). */
  readonly amplitude?: number;
}

const DEFAULT_AMPLITUDE = 6000;
/** Edges are ramped over 4 ms so a tone starts and stops without a click. */
const RAMP_SAMPLES = 32;

function check(segment: ToneSegment, sampleRate: number): void {
  if (!Number.isFinite(segment.durationMs) || segment.durationMs < 0) throw new ToneSpecError(`tone duration must be ≥ 0 ms, got ${segment.durationMs}`);
  for (const f of segment.frequencies) {
    if (!Number.isFinite(f) || f <= 0 || f >= sampleRate / 2) throw new ToneSpecError(`tone frequency must be between 0 and ${sampleRate / 2} Hz, got ${f}`);
  }
  const amplitude = segment.amplitude ?? DEFAULT_AMPLITUDE;
  if (!Number.isFinite(amplitude) || amplitude < 0 || amplitude * segment.frequencies.length > 32767) {
    throw new ToneSpecError(`tone amplitude ${amplitude} × ${segment.frequencies.length} frequencies exceeds 16-bit range`);
  }
}

function renderInto(out: Int16Array, at: number, segment: ToneSegment, sampleRate: number): number {
  const n = Math.round((segment.durationMs * sampleRate) / 1000);
  const amplitude = segment.amplitude ?? DEFAULT_AMPLITUDE;
  if (segment.frequencies.length === 0 || amplitude === 0) return n; // already zero
  const steps = segment.frequencies.map((f) => (2 * Math.PI * f) / sampleRate);
  const ramp = Math.min(RAMP_SAMPLES, Math.floor(n / 2));
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const step of steps) v += Math.sin(step * i);
    const gain = i < ramp ? i / ramp : i >= n - ramp ? (n - 1 - i) / ramp : 1;
    out[at + i] = Math.round(v * amplitude * gain);
  }
  return n;
}

/** One tone (one or more frequencies summed) as PCM16. */
export function renderTone(segment: ToneSegment, sampleRate = SAMPLE_RATE): Int16Array {
  return renderTonePattern([segment], sampleRate);
}

/** A sequence of segments as one PCM16 buffer (loop it for a cadence). */
export function renderTonePattern(segments: readonly ToneSegment[], sampleRate = SAMPLE_RATE): Int16Array {
  for (const s of segments) check(s, sampleRate);
  const total = segments.reduce((sum, s) => sum + Math.round((s.durationMs * sampleRate) / 1000), 0);
  const out = new Int16Array(total);
  let at = 0;
  for (const s of segments) at += renderInto(out, at, s, sampleRate);
  return out;
}

const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLS = [1209, 1336, 1477, 1633];
// Keypad position of each event code 0-15 (0-9, *, #, A-D): [row, column].
const DTMF_POSITION: readonly (readonly [number, number])[] = [
  [3, 1], [0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2],
  [3, 0], [3, 2], [0, 3], [1, 3], [2, 3], [3, 3],
];

/** The [low, high] frequencies of a DTMF digit (ITU-T Q.23). */
export function dtmfFrequencies(digit: DtmfDigit | string): readonly [number, number] {
  const [row, col] = DTMF_POSITION[eventOfDigit(digit)]!;
  return [DTMF_ROWS[row]!, DTMF_COLS[col]!];
}

/** An in-band DTMF digit (both tones at `amplitude`). */
export function renderDtmf(digit: DtmfDigit | string, durationMs = 100, amplitude = 6000): Int16Array {
  return renderTone({ frequencies: dtmfFrequencies(digit), durationMs, amplitude });
}

/** Common cadences, each meant to loop. */
export const TONE_PATTERNS = {
  /** North American ringback: 440 + 480 Hz, 2 s on, 4 s off. */
  ringbackUs: [
    { frequencies: [440, 480], durationMs: 2000 },
    { frequencies: [], durationMs: 4000 },
  ],
  /** European (ETSI) ringback: 425 Hz, 1 s on, 4 s off. */
  ringbackEu: [
    { frequencies: [425], durationMs: 1000 },
    { frequencies: [], durationMs: 4000 },
  ],
  /** North American busy: 480 + 620 Hz, 0.5 s on, 0.5 s off. */
  busyUs: [
    { frequencies: [480, 620], durationMs: 500 },
    { frequencies: [], durationMs: 500 },
  ],
  /** A gentle arpeggio for music on hold when no file is configured. */
  holdMelody: [
    { frequencies: [523.25], durationMs: 400, amplitude: 3500 },
    { frequencies: [659.25], durationMs: 400, amplitude: 3500 },
    { frequencies: [783.99], durationMs: 400, amplitude: 3500 },
    { frequencies: [659.25], durationMs: 400, amplitude: 3500 },
    { frequencies: [], durationMs: 400 },
    { frequencies: [440, 554.37], durationMs: 800, amplitude: 2500 },
    { frequencies: [], durationMs: 1200 },
  ],
} satisfies Record<string, readonly ToneSegment[]>;

/** Pads `pcm` with silence to a whole number of 20 ms frames (a seamless loop for encoded frames). */
export function padToFrames(pcm: Int16Array): Int16Array {
  const frames = Math.max(1, Math.ceil(pcm.length / FRAME_SAMPLES));
  if (frames * FRAME_SAMPLES === pcm.length) return pcm;
  const out = new Int16Array(frames * FRAME_SAMPLES);
  out.set(pcm);
  return out;
}
