export type CollectOutcome = 'max-digits' | 'terminator' | 'timeout' | 'hangup';

export interface CollectOptions {
  maxDigits: number;
  terminator?: string;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Collects DTMF digits for one `collect` command: stops at max digits, at the terminator (not
 * included in the result), when the first digit does not come in time, or when the gap between
 * digits is too long. Reports exactly once.
 */
export class DigitCollector {
  private digits = '';
  private timer: unknown;
  private done = false;

  constructor(
    private readonly options: CollectOptions,
    private readonly onDone: (digits: string, outcome: CollectOutcome) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Starts the first-digit timer (call when the prompts before the collection have finished). */
  start(): void {
    this.arm(this.options.firstDigitTimeoutMs);
  }

  /** A digit arrived (RFC 4733 or SIP INFO). */
  push(digit: string): void {
    if (this.done) return;
    if (this.options.terminator !== undefined && digit === this.options.terminator) return this.finish('terminator');
    this.digits += digit;
    if (this.digits.length >= this.options.maxDigits) return this.finish('max-digits');
    this.arm(this.options.interDigitTimeoutMs);
  }

  /** The caller hung up or the command was superseded. */
  cancel(): void {
    this.finish('hangup');
  }

  get finished(): boolean {
    return this.done;
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.finish('timeout'), ms);
  }

  private finish(outcome: CollectOutcome): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.onDone(this.digits, outcome);
  }
}
