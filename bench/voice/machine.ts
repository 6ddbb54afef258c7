// What the voice benches read from the machine: a process's CPU time from /proc (all its threads),
// the limits that matter for thousands of UDP sockets, the host's busy share, free UDP ports.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const n = Number(out);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK printed "${out}"`);
    ticksPerSecond = n;
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system, every thread) a live process has used, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read the CPU times of process ${pid} from /proc`);
  return (utime + stime) / clockTicks();
}

export interface CpuMark {
  readonly cpuSeconds: number;
  readonly atMs: number;
}

export function cpuMark(pid: number): CpuMark {
  return { cpuSeconds: processCpuSeconds(pid), atMs: performance.now() };
}

/** Percent of one core used between two marks. */
export function pctOfOneCore(from: CpuMark, to: CpuMark): number {
  const wall = (to.atMs - from.atMs) / 1000;
  return wall > 0 ? ((to.cpuSeconds - from.cpuSeconds) / wall) * 100 : NaN;
}

export interface HostTimes {
  readonly idle: number;
  readonly total: number;
}

/** The host's CPU times (all cores, every process), from os.cpus(). */
export function hostTimes(): HostTimes {
  return cpus().reduce((acc, cpu) => ({ idle: acc.idle + cpu.times.idle, total: acc.total + Object.values(cpu.times).reduce((a, b) => a + b, 0) }), { idle: 0, total: 0 });
}

/** Busy share of all cores of the host between two samples. */
export function hostBusyPct(from: HostTimes, to: HostTimes): number {
  return (1 - (to.idle - from.idle) / Math.max(1, to.total - from.total)) * 100;
}

function readNumber(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function openFilesLimit(): number | null {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined ? null : Number(soft);
  } catch {
    return null;
  }
}

export interface MachineLimits {
  cores: number;
  load_avg_1m: number;
  ulimit_n: number | null;
  rmem_default: number | null;
  rmem_max: number | null;
  wmem_max: number | null;
}

export function machineLimits(): MachineLimits {
  return {
    cores: cpus().length,
    load_avg_1m: Number(loadavg()[0]!.toFixed(2)),
    ulimit_n: openFilesLimit(),
    rmem_default: readNumber('/proc/sys/net/core/rmem_default'),
    rmem_max: readNumber('/proc/sys/net/core/rmem_max'),
    wmem_max: readNumber('/proc/sys/net/core/wmem_max'),
  };
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * A random free UDP port (and `port + extra` free too, e.g. 2 for sipp's media pair) in [min, max],
 * none of `taken`. Below the kernel's ephemeral range by default, so no outgoing socket takes it.
 */
export async function randomFreeUdpPort(taken: Set<number>, options: { min?: number; max?: number; even?: boolean; extra?: number[] } = {}): Promise<number> {
  const min = options.min ?? 30_000;
  const max = options.max ?? 32_700;
  for (let attempt = 0; attempt < 200; attempt++) {
    let port = min + Math.floor(Math.random() * (max - min));
    if (options.even && port % 2 === 1) port--;
    const all = [port, ...(options.extra ?? []).map((d) => port + d)];
    if (all.some((p) => taken.has(p) || p > 65535)) continue;
    if ((await Promise.all(all.map(udpPortFree))).every(Boolean)) {
      for (const p of all) taken.add(p);
      return port;
    }
  }
  throw new Error(`no free UDP port found in ${min}-${max} after 200 tries`);
}

/** A random RTP range of `size` ports whose first and last ports are free (the media pool binds lazily). */
export async function randomRtpRange(size: number, taken: Set<number>): Promise<[number, number]> {
  const low = 10_000;
  const high = 32_700 - size;
  if (high <= low) throw new Error(`an RTP range of ${size} ports does not fit in ${low}-32700`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = low + 2 * Math.floor((Math.random() * (high - low)) / 2);
    const end = start + size - 1;
    if ([...taken].some((p) => p >= start && p <= end)) continue;
    if ((await udpPortFree(start)) && (await udpPortFree(end - 1))) return [start, end];
  }
  throw new Error(`no free RTP range of ${size} ports found`);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
