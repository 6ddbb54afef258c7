// Music on hold: one shared loop (a prompt file, or a rendered tone pattern when no file is set),
// and a looping cursor per held call. A call may start at its own point of the loop (offsetMs), so
// callers put on hold together need not hear the same bar at the same moment.
import { type AudioSource, FRAME_MS } from './audio-frame';
import { Prompt, PromptPlayer } from './prompt-player';
import { renderTonePattern, TONE_PATTERNS, type ToneSegment } from './tone';

export interface HoldSourceOptions {
  /** Where in the loop to start; default: the start. */
  readonly offsetMs?: number;
}

export class MusicOnHold {
  private constructor(readonly loop: Prompt) {}

  static fromPrompt(prompt: Prompt): MusicOnHold {
    return new MusicOnHold(prompt);
  }

  /** A tone cadence rendered once (default: a gentle arpeggio). */
  static fromTones(pattern: readonly ToneSegment[] = TONE_PATTERNS.holdMelody): MusicOnHold {
    return new MusicOnHold(Prompt.fromPcm(renderTonePattern(pattern), 'tone-pattern'));
  }

  get durationMs(): number {
    return this.loop.frameCount * FRAME_MS;
  }

  /** A looping source for one held call (stop it when the call is taken off hold). */
  source(options: HoldSourceOptions = {}): PromptPlayer & AudioSource {
    const offset = (options.offsetMs ?? 0) % this.durationMs;
    return new PromptPlayer(this.loop, { loop: true, offsetMs: offset });
  }
}
