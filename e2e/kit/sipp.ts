// A carrier's caller played by sipp (Debian sip-tester): e2e/sipp/caller-presses.xml, filled in for
// one call, speaking a looped tone and pressing one menu key, until the agent's side hangs up.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFromPcm, renderTone } from '@parley/media';

const SCENARIO = join(__dirname, '..', 'sipp', 'caller-presses.xml');

export interface CallerScript {
  /** The caller's number (From user), E.164. */
  caller: string;
  /** The key pressed in the menu (one of 0-9). */
  digit: string;
  /** When the key is pressed, after the call is answered (the menu must be playing by then). */
  pressAfterMs: number;
  /** How long the caller waits for the agent to hang up. */
  byeTimeoutMs: number;
}

export interface SippOutcome {
  code: number | null;
  /** sipp's last output and its error log when the call did not end cleanly; empty otherwise. */
  problem: string;
}

/** Writes the caller's audio (raw A-law, 2 s of 440 Hz, looped by sipp) and returns its path. */
export function writeCallerAudio(dir: string): string {
  const path = join(dir, 'caller-tone.al');
  writeFileSync(path, encodeFromPcm('pcma', renderTone({ frequencies: [440], durationMs: 2000, amplitude: 8000 })));
  return path;
}

/** The scenario for one script, written under `dir`. */
export function writeScenario(dir: string, name: string, script: CallerScript, audioFile: string): string {
  if (!/^[0-9]$/.test(script.digit)) throw new Error(`the caller can press one digit 0-9, not "${script.digit}"`);
  if (!/^\+[1-9][0-9]{6,14}$/.test(script.caller)) throw new Error(`the caller number must be E.164, not "${script.caller}"`);
  const values: Record<string, string> = {
    DIGIT: script.digit,
    CALLER: script.caller,
    AUDIO_FILE: audioFile,
    PRESS_AFTER_MS: String(script.pressAfterMs),
    BYE_TIMEOUT_MS: String(script.byeTimeoutMs),
  };
  const text = readFileSync(SCENARIO, 'utf8').replace(/@@([A-Z_]+)@@/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${SCENARIO}: no value for @@${key}@@`);
    return value;
  });
  const path = join(dir, `${name}.xml`);
  writeFileSync(path, text);
  return path;
}

/** One sipp call to `number` at the platform's SIP port; `done` settles when sipp exits. */
export class SippCall {
  private constructor(
    private readonly child: ChildProcess,
    readonly done: Promise<SippOutcome>,
  ) {}

  static start(options: { scenario: string; number: string; sipPort: number; localPort: number; mediaPort: number; errorFile: string; timeoutSeconds: number }): SippCall {
    const args = [
      `127.0.0.1:${options.sipPort}`,
      '-sf', options.scenario,
      '-s', options.number,
      '-m', '1',
      '-i', '127.0.0.1',
      '-mi', '127.0.0.1',
      '-p', String(options.localPort),
      '-mp', String(options.mediaPort),
      '-timeout', `${options.timeoutSeconds}s`,
      '-nostdin',
      '-trace_err',
      '-error_file', options.errorFile,
    ];
    const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (chunk: Buffer): void => {
      out = (out + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const done = new Promise<SippOutcome>((resolve) => {
      child.once('error', (error) => resolve({ code: null, problem: `sipp could not run: ${error.message}` }));
      child.once('exit', (code) => {
        const errors = existsSync(options.errorFile) ? readFileSync(options.errorFile, 'utf8').slice(-2000) : '';
        resolve({ code, problem: code === 0 ? '' : `${out.slice(-1500)}\n${errors}`.trim() });
      });
    });
    return new SippCall(child, done);
  }

  /** Ends sipp if it still runs (a failed walk must not leave a caller behind). */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** An even RTP port for sipp's media with the three above it, away from the platform's RTP range. */
export function sippMediaPort(): number {
  return 38000 + 4 * Math.floor(Math.random() * 250);
}
