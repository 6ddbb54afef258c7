// npm run bench:sip-cps -- [--cps 300] [--seconds 300] [--hold-ms 1000] [--workers 2] [--profile]
// Sustained new calls per second into a Parley voice node: a sipp UAC places --cps calls a second
// for --seconds (cps × seconds calls) to a tenant's number; voice looks the number up, creates the
// call's media and rings (180) at once; the bench's driver (in the voice process, standing in for
// ivr/acd) answers each call with an `answer` command over the in-process bus (200 OK); the caller
// ACKs, holds --hold-ms (default 1 s) and hangs up (BYE). Response times are sipp's own: `rtd`
// timers in the scenario, every call traced with -trace_rtt -rtt_freq 1 (sipp measures in whole
// ms): INVITE sent → 180 received, and 180 → 200 (the answer command's round trip). The voice node
// runs in a child process (2 media worker threads); its CPU (every thread) is read from
// /proc/<pid>/stat over the generation window. Prints one JSON line; progress goes to stderr.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOnExit, runBench } from './voice/child-processes';
import { monotonicUs, summarizeProfiles } from './voice/cpu-profile';
import { Flags } from './voice/flags';
import { cpuMark, type CpuMark, hostBusyPct, hostTimes, type HostTimes, machineLimits, pctOfOneCore, percentile, randomFreeUdpPort, randomRtpRange, round } from './voice/machine';
import { counter, elapsedSeconds, SippRun } from './voice/sipp.runner';
import { type ChildSample } from './voice/voice-bench.protocol';
import { VoiceNodeHandle } from './voice/voice-node.handle';

const GOAL = { cps: 300, failed_pct_max: 0.1, invite_to_180_ms_p99_max: 50 };

interface Args {
  cps: number;
  seconds: number;
  holdMs: number;
  workers: number;
  profile: boolean;
}

function parseArgs(argv: string[]): Args {
  const flags = new Flags(argv, ['cps', 'seconds', 'hold-ms', 'workers', 'profile']);
  return {
    cps: flags.int('cps', 300, 1, 2000),
    seconds: flags.int('seconds', 300, 1, 3600),
    holdMs: flags.int('hold-ms', 1000, 0, 60_000),
    workers: flags.int('workers', 2, 1, 16),
    profile: flags.has('profile'),
  };
}

interface Mark {
  t: number;
  cpu: CpuMark;
  host: HostTimes;
  /** process.hrtime in µs (the clock of V8's CPU profiles). */
  monoUs: number;
  sample: ChildSample;
}

function distribution(values: number[] | undefined): { count: number; p50: number; p90: number; p99: number; max: number } {
  const sorted = [...(values ?? [])].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const calls = args.cps * args.seconds;
  const dir = mkdtempSync(join(tmpdir(), 'parley-sip-cps-'));
  removeOnExit(dir);
  const limits = machineLimits();
  const log = (m: string): void => void process.stderr.write(`[sip-cps] ${m}\n`);
  const profileDir = join(dir, 'profile');
  if (args.profile) mkdirSync(profileDir);

  const taken = new Set<number>();
  const voiceSipPort = await randomFreeUdpPort(taken);
  const callersPort = await randomFreeUdpPort(taken);
  const callersMediaPort = await randomFreeUdpPort(taken, { even: true, extra: [1, 2, 3] });
  // Calls in progress ≈ cps × (hold + set-up); released ports go to the back of the pool's queue.
  const concurrent = Math.ceil(args.cps * (args.holdMs / 1000 + 2));
  const rtpPorts = await randomRtpRange(2 * Math.ceil(Math.max(2000, concurrent * 2 * 1.5) / 2), taken);
  const scenario = join(dir, 'cps-callers.xml');
  writeFileSync(scenario, readFileSync(join(__dirname, 'voice', 'scenarios', 'cps-callers.xml'), 'utf8').split('@@HOLD_MS@@').join(String(args.holdMs)));

  const number = '+18005550198';
  const { handle: voice, sip } = await VoiceNodeHandle.start({
    config: {
      mode: 'sip-cps',
      sipPort: voiceSipPort,
      rtpPorts,
      mediaWorkers: args.workers,
      dir,
      tenantId: randomUUID(),
      number,
      trunk: null,
      promptPath: null,
      expectedDigits: '',
      agentNumber: '+14155550177',
    },
    ...(args.profile ? { cpuProfileDir: profileDir } : {}),
  });
  log(`voice node pid ${voice.pid} on udp ${sip.address}:${sip.port}, RTP ${rtpPorts[0]}-${rtpPorts[1]}; ${calls} calls at ${args.cps}/s for ${args.seconds} s, hold ${args.holdMs} ms`);

  const callers = new SippRun({
    name: 'callers',
    dir,
    scenarioPath: scenario,
    traceRtt: true,
    args: [
      `${sip.address}:${sip.port}`,
      '-s',
      number,
      '-i',
      '127.0.0.1',
      '-mi',
      '127.0.0.1',
      '-p',
      String(callersPort),
      '-mp',
      String(callersMediaPort),
      '-m',
      String(calls),
      '-r',
      String(args.cps),
      '-l',
      String(args.cps * 10),
    ],
  });
  const t0 = performance.now();
  voice.resetLoopDelay();

  const marks: Mark[] = [];
  let sampling = true;
  const sampler = (async () => {
    let next = performance.now();
    while (sampling) {
      next += 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      if (!sampling) break;
      try {
        const cpu = cpuMark(voice.pid);
        const host = hostTimes();
        const monoUs = monotonicUs();
        const sample = await voice.sample();
        marks.push({ t: (performance.now() - t0) / 1000, cpu, host, monoUs, sample });
        if (marks.length % 10 === 0) {
          const prev = marks[Math.max(0, marks.length - 11)]!;
          const d = sample.driver;
          log(`t=${Math.round(marks[marks.length - 1]!.t)}s started ${d.started} answered ${d.answered} ended ${d.ended} active ${d.active} | voice ${round(pctOfOneCore(prev.cpu, cpu))}% of one core, rss ${Math.round(sample.rssBytes / 1e6)} MB`);
        }
      } catch (error) {
        log(`sample failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();

  const callersResult = await callers.wait((args.seconds * 3 + 120) * 1000);
  for (let i = 0; i < 40; i++) {
    if ((await voice.sample()).driver.active === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  sampling = false;
  await sampler;
  const final = await voice.sample({ gc: true });
  await voice.stop();

  // Achieved rate: calls created by the time the last one was (sipp's periodic rows, 1 s apart).
  const rows = callersResult.stats.rows;
  const created = counter(callersResult.stats.last, 'OutgoingCall(C)');
  const lastCreating = rows.find((r) => counter(r, 'OutgoingCall(C)') >= created) ?? callersResult.stats.last;
  const generationSeconds = elapsedSeconds(lastCreating['ElapsedTime(C)']);
  const achievedCps = created / generationSeconds;
  // CPU over the generation window (calls arriving at the target rate), after a 2 s warm-up.
  const windowMarks = marks.filter((m) => m.t >= Math.min(2, args.seconds / 4) && m.t <= generationSeconds);
  const from = windowMarks[0];
  const to = windowMarks[windowMarks.length - 1];
  const cpuOne = from && to && to !== from ? pctOfOneCore(from.cpu, to.cpu) : NaN;
  const hostBusy = from && to && to !== from ? hostBusyPct(from.host, to.host) : NaN;

  const successful = counter(callersResult.stats.last, 'SuccessfulCall(C)');
  const sippFailed = counter(callersResult.stats.last, 'FailedCall(C)');
  const d = final.driver;
  const good = Math.min(successful, d.answered, d.endedByReason['caller-hangup'] ?? 0);
  const failed = calls - good;
  const invite180 = distribution(callersResult.responseTimesMs.get('invite-180'));
  const ring200 = distribution(callersResult.responseTimesMs.get('180-200'));
  const peakRss = Math.max(final.rssBytes, ...marks.map((m) => m.sample.rssBytes));
  const failedPct = (failed / calls) * 100;
  const cpuAll = cpuOne / limits.cores;
  const goalMet = achievedCps >= GOAL.cps * 0.99 && args.cps >= GOAL.cps && failedPct < GOAL.failed_pct_max && invite180.p99 < GOAL.invite_to_180_ms_p99_max;

  let profile: unknown = undefined;
  if (args.profile) {
    try {
      // The generation window only (start-up and TypeScript compilation left out).
      profile = summarizeProfiles(profileDir, from && to && to !== from ? { fromUs: from.monoUs, toUs: to.monoUs } : null);
    } catch (error) {
      profile = { error: error instanceof Error ? error.message : String(error) };
    }
  } else if (!goalMet) {
    profile = 'the goal was not met: run again with --profile to list the top self-time functions of every thread of the voice node';
  }

  const result = {
    bench: 'sip-cps',
    cps_target: args.cps,
    cps_achieved: round(achievedCps, 1),
    calls,
    calls_created: created,
    failed,
    failed_pct: round(failedPct, 3),
    invite_to_180_ms_p50: invite180.p50,
    invite_to_180_ms_p99: invite180.p99,
    voice_cpu_pct_of_one_core: round(cpuOne),
    voice_cpu_pct_of_all_cores: round(cpuAll),
    host_cpu_busy_pct_all_cores: round(hostBusy),
    seconds: args.seconds,
    generation_s: round(generationSeconds, 1),
    hold_ms: args.holdMs,
    invite_to_180_ms: { ...invite180, source: 'sipp rtd "invite-180" (start_rtd on the INVITE, rtd on the 180), every call, -trace_rtt -rtt_freq 1, whole ms' },
    ringing_to_200_ms: { ...ring200, source: 'sipp rtd "180-200": the driver\u2019s answer command over the in-process bus, then 200 OK' },
    failed_breakdown: {
      sipp_successful: successful,
      sipp_failed: sippFailed,
      sipp_exit_code: callersResult.exitCode,
      sipp_errors: callersResult.errors,
      voice_started: d.started,
      voice_answered: d.answered,
      ended_by_reason: d.endedByReason,
      ended_before_answer: d.endedEarly,
      command_failures: d.commandFailures,
      retransmissions: counter(callersResult.stats.last, 'Retransmissions(C)'),
    },
    driver_answer_latency_ms: { ...d.answerLatencyMs, note: 'voice.call.started → voice.call.answered as the driver saw them: the answer command queued behind the node’s other commands' },
    voice_rss_mb_peak: Math.round(peakRss / 1e6),
    voice_heap_mb_after_run_gc: Math.round(final.heapUsedBytes / 1e6),
    voice_loop_delay_ms_p99: round(final.loopDelayMsP99, 1),
    voice_loop_delay_ms_max: round(final.loopDelayMsMax, 1),
    voice_log: { warn: final.log.warn, error: final.log.error, samples: final.log.samples },
    driver: 'in the voice process: CallFlowDriver on the in-process bus (answer on voice.call.started)',
    media_workers: args.workers,
    machine: { ...limits, shared: 'sipp and other engineers\u2019 processes use the same cores' },
    node: process.version,
    goal: GOAL,
    goal_met: goalMet,
    ...(profile !== undefined ? { profile } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

runBench(main);
