// Runs Debian's sipp (sip-tester 3.6.1) for the voice benches and reads what it measured: the
// statistics CSV (-trace_stat, one row per -fd period and a last one at exit), the per-call response
// times (-trace_rtt -rtt_freq 1: every `rtd` of every call) and the first lines of its error log.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { exited, terminate, track } from './child-processes';

const SIPP_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface SippOptions {
  /** A short name for files and messages ("callers", "agents"). */
  name: string;
  /** Working dir: sipp writes its logs here. */
  dir: string;
  scenarioPath: string;
  /** Everything else on the command line (remote host first for a UAC). */
  args: string[];
  /** Also record every response time (`rtd`) of every call. */
  traceRtt?: boolean;
}

export interface SippStats {
  /** The last row of the statistics file, by column name. */
  last: Record<string, string>;
  /** Every row (periodic ones, then the final one). */
  rows: Record<string, string>[];
}

export interface SippResult {
  exitCode: number | null;
  stats: SippStats;
  /** Response times in ms, by rtd name (e.g. "invite-180"), from the rtt trace. */
  responseTimesMs: Map<string, number[]>;
  errors: string[];
  stderr: string;
}

export class SippRun {
  readonly child: ChildProcess;
  private stderr = '';

  constructor(private readonly options: SippOptions) {
    const stats = this.statsPath;
    const args = [
      ...options.args,
      '-sf',
      options.scenarioPath,
      '-nostdin',
      // sipp's own SIP socket buffers (it can stall on a busy host; its default drops what then
      // arrives, and a lost 180 shows up as a failed call): as large as the kernel lets a non-root
      // process ask for (net.core.rmem_max / wmem_max, printed in the JSON line).
      '-buff_size',
      String(SIPP_SOCKET_BUFFER_BYTES),
      '-trace_stat',
      '-stf',
      stats,
      '-fd',
      '1',
      '-trace_err',
      '-error_file',
      join(options.dir, `${options.name}-errors.log`),
      ...(options.traceRtt ? ['-trace_rtt', '-rtt_freq', '1'] : []),
    ];
    writeFileSync(join(options.dir, `${options.name}-command.txt`), `sipp ${args.join(' ')}\n`);
    this.child = track(spawn('sipp', args, { cwd: options.dir, stdio: ['ignore', 'ignore', 'pipe'] }));
    this.child.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += d.toString();
    });
  }

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error(`sipp (${this.options.name}) did not start`);
    return pid;
  }

  private get statsPath(): string {
    return join(this.options.dir, `${this.options.name}-stats.csv`);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once sipp has opened its SIP socket (it fails fast when it cannot bind). */
  async started(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`sipp (${this.options.name}) exited with ${this.child.exitCode ?? this.child.signalCode}: ${this.stderr.trim().slice(0, 500)}`);
      if (existsSync(this.statsPath)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sipp (${this.options.name}) wrote no statistics within ${timeoutMs} ms`);
  }

  /** Current statistics (the rows written so far). */
  stats(): SippStats {
    return readStats(this.statsPath);
  }

  async wait(timeoutMs: number): Promise<SippResult> {
    const timer = setTimeout(() => {
      process.stderr.write(`sipp (${this.options.name}) still running after ${Math.round(timeoutMs / 1000)} s: stopping it\n`);
      void terminate(this.child, 5000);
    }, timeoutMs);
    await exited(this.child);
    clearTimeout(timer);
    return this.result();
  }

  /** Stops a sipp that runs until told (a UAS): SIGTERM, SIGKILL after the grace period. */
  async stop(graceMs = 5000): Promise<SippResult> {
    await terminate(this.child, graceMs);
    return this.result();
  }

  private result(): SippResult {
    return { exitCode: this.child.exitCode, stats: readStats(this.statsPath), responseTimesMs: this.readRtt(), errors: this.readErrors(), stderr: this.stderr.trim() };
  }

  /**
   * What went wrong, by kind: sipp writes a dated entry per event ("Aborting call on unexpected
   * message for Call-Id '…': while expecting '180' …", sometimes followed by the message, sometimes
   * not even by a newline); each entry's first line is counted with call ids taken out, the most
   * frequent first.
   */
  private readErrors(): string[] {
    const path = join(this.options.dir, `${this.options.name}-errors.log`);
    if (!existsSync(path)) return [];
    const kinds = new Map<string, number>();
    const entries = readFileSync(path, 'utf8').split(/\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}:\d{2}\.\d+\s+\d+\.\d+:\s*/).slice(1);
    for (const entry of entries) {
      const kind = (entry.split('\n')[0] ?? '')
        .replace(/Call-I[dD] '[^']*'/g, "Call-Id '…'")
        .replace(/for call: \S+/g, 'for call: …')
        .replace(/Dead call \S+/g, 'Dead call …')
        .replace(/\(\d+\), \d+ trips remaining/g, '(n), m trips remaining')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200);
      if (kind) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    return [...kinds.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([kind, n]) => `${n}× ${kind}`);
  }

  /** sipp names the rtt file `<scenario file name>_<pid>_rtt.csv`: `Date_ms;response_time_ms;rtd_no`. */
  private readRtt(): Map<string, number[]> {
    const times = new Map<string, number[]>();
    if (!this.options.traceRtt || this.child.pid === undefined) return times;
    const scenario = basename(this.options.scenarioPath).replace(/\.xml$/, '');
    const file = readdirSync(this.options.dir).find((f) => f === `${scenario}_${this.child.pid}_rtt.csv`);
    if (!file) return times;
    for (const line of readFileSync(join(this.options.dir, file), 'utf8').split('\n')) {
      const [, ms, rtd] = line.split(';');
      const value = Number(ms);
      if (rtd === undefined || !Number.isFinite(value) || ms === '') continue;
      const name = rtd.trim();
      let list = times.get(name);
      if (!list) times.set(name, (list = []));
      list.push(value);
    }
    return times;
  }
}

function readStats(path: string): SippStats {
  if (!existsSync(path)) return { last: {}, rows: [] };
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0);
  if (lines.length < 2) return { last: {}, rows: [] };
  const header = lines[0]!.split(';');
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(';');
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      if (name) row[name] = cells[i] ?? '';
    });
    return row;
  });
  return { last: rows[rows.length - 1] ?? {}, rows };
}

/** A counter of sipp's statistics row (0 when absent). */
export function counter(row: Record<string, string>, name: string): number {
  const value = Number(row[name]);
  return Number.isFinite(value) ? value : 0;
}

/** sipp's "HH:MM:SS:uuuuuu" (or "HH:MM:SS") elapsed time in seconds. */
export function elapsedSeconds(value: string | undefined): number {
  if (!value) return NaN;
  const parts = value.split(':').map(Number);
  const [h = 0, m = 0, s = 0, us = 0] = parts;
  return h * 3600 + m * 60 + s + us / 1e6;
}
