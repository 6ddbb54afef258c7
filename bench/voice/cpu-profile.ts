// Summarises the V8 CPU profiles a `--cpu-prof` run wrote (one file per thread: the main thread
// and each media worker) into the functions with the most self time, for the bench's JSON line.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock (CLOCK_MONOTONIC: the same as process.hrtime in any process). */
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A span of the monotonic clock in µs: `monotonicUs()` taken in the bench process. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileSummary {
  /** What the figures cover: the window's length in s, or the whole run. */
  window_s: number | 'whole run';
  /** Profiles read (threads): file name → sampled ms not idle. */
  threads: Record<string, number>;
  /** Top self-time functions over every thread: share of all non-idle samples. */
  top: { fn: string; at: string; self_ms: number; self_pct: number }[];
}

export function summarizeProfiles(dir: string, window: ProfileWindow | null, topN = 12): ProfileSummary {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile file in ${dir}`);
  const selfUs = new Map<string, { fn: string; at: string; us: number }>();
  const threads: Record<string, number> = {};
  let totalUs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    // Self time per node: every sample (inside the window) is charged the time to the next one.
    const nodeUs = new Map<number, number>();
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    let t = profile.startTime;
    for (let i = 0; i < samples.length; i++) {
      t += deltas[i] ?? 0;
      const next = deltas[i + 1] ?? 0;
      if (window && (t < window.fromUs || t > window.toUs)) continue;
      nodeUs.set(samples[i]!, (nodeUs.get(samples[i]!) ?? 0) + next);
    }
    let threadUs = 0;
    for (const [id, us] of nodeUs) {
      const node = byId.get(id);
      if (!node || node.callFrame.functionName === '(idle)') continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const fn = functionName || '(anonymous)';
      const at = url ? `${basename(url)}:${lineNumber + 1}` : '';
      const key = `${fn}\u0000${at}`;
      const entry = selfUs.get(key) ?? { fn, at, us: 0 };
      entry.us += us;
      selfUs.set(key, entry);
      threadUs += us;
    }
    threads[file] = Math.round(threadUs / 1000);
    totalUs += threadUs;
  }
  const top = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => ({ fn: e.fn, at: e.at, self_ms: Math.round(e.us / 1000), self_pct: Math.round((e.us / Math.max(1, totalUs)) * 1000) / 10 }));
  return { window_s: window ? Math.round((window.toUs - window.fromUs) / 1e5) / 10 : 'whole run', threads, top };
}
