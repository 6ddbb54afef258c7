// The unit of work of the media engine: 20 ms of 8 kHz mono audio (160 samples), one per clock
// tick. PCM frames are Int16Array(160); G.711 frames are 160 bytes.
import type { G711Codec } from './g711';

export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;

/** Something a leg can play: a prompt, music on hold, a tone. Pulled once per 20 ms tick. */
export interface AudioSource {
  /** Writes the next 20 ms into `frame` (PCM16). Returns false once the source has ended (frame left silent). */
  readPcm(frame: Int16Array): boolean;
  /**
   * Optional fast path: the next 20 ms already encoded in `codec` (shared across calls, nothing
   * encoded per call), or null once the source has ended. Advances like `readPcm`.
   */
  readEncoded?(codec: G711Codec): Uint8Array | null;
}

/** Adds `src` into `acc` with 16-bit saturation (in place). */
export function mixInto(acc: Int16Array, src: Int16Array): void {
  const n = Math.min(acc.length, src.length);
  for (let i = 0; i < n; i++) {
    const s = acc[i]! + src[i]!;
    acc[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
  }
}
