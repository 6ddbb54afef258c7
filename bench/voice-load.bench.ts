// npm run bench:voice-load -- [--calls 1000] [--hold 30] [--rate 50] [--prompt-ms 2000] [--digits 123] [--workers 2] [--profile]
// Simultaneous inbound calls through a Parley voice node, each with the whole flow a contact-center
// call has: sipp callers (a carrier) INVITE a tenant's number; the bench's driver (in the voice
// process, standing in for ivr/acd) answers, starts the stereo recording and runs `collect` with a
// prompt; after the prompt the caller sends the digits as RFC 4733 events (sipp's dtmf_2833_*.pcap)
// and voice decodes them; the driver then bridges the call with `bridge-number` to the "agents": a
// sipp UAS reached through the node's outbound trunk, whose media is rtp-echo-probe.c (it echoes the
// audio back, and measures loss and how late voice sends against the 20 ms schedule with kernel
// timestamps). The caller sends PCMA audio for the whole call (sipp rtp_stream, looped), holds for
// --hold seconds after the digits, and hangs up; voice hangs up the agent leg.
// The voice node runs in a child process (voice/voice-node.child.ts) with 2 media worker threads;
// its CPU (all threads) is read from /proc/<pid>/stat, as are sipp's and the probe's (to show where
// the host's CPU went). CPU and engine loss are taken over the steady window: the longest stretch
// with at least 95 % of the peak number of calls up at once.
// Prints one JSON line; progress goes to stderr. --profile runs the node under --cpu-prof and puts
// the top self-time functions (every thread) in the line.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFromPcm, encodeWav, renderTone } from '@parley/media';
import { removeOnExit, runBench } from './voice/child-processes';
import { monotonicUs, summarizeProfiles } from './voice/cpu-profile';
import { FlagError, Flags } from './voice/flags';
import { cpuMark, type CpuMark, hostBusyPct, hostTimes, type HostTimes, machineLimits, pctOfOneCore, randomFreeUdpPort, randomRtpRange, round } from './voice/machine';
import { RtpEchoProbe, type ProbeFigures } from './voice/rtp-echo-probe.runner';
import { counter, SippRun } from './voice/sipp.runner';
import { type ChildSample } from './voice/voice-bench.protocol';
import { VoiceNodeHandle } from './voice/voice-node.handle';

const GOAL = { calls: 1000, failed: 0, loss_pct_max: 0.01, voice_cpu_pct_of_all_cores_max: 60 };
/** sipp's RFC 4733 captures, in the order they were captured (rising RTP timestamps). */
const DTMF_ORDER = '123456789*#';
const DTMF_PCAP_DIR = '/usr/share/sip-tester';

interface Args {
  calls: number;
  holdSeconds: number;
  rate: number;
  promptMs: number;
  digits: string;
  workers: number;
  profile: boolean;
}

function parseArgs(argv: string[]): Args {
  const flags = new Flags(argv, ['calls', 'hold', 'rate', 'prompt-ms', 'digits', 'workers', 'profile']);
  const digits = flags.string('digits') ?? '123';
  let last = -1;
  for (const d of digits) {
    const at = DTMF_ORDER.indexOf(d);
    if (at <= last) throw new FlagError(`--digits must be distinct digits of "${DTMF_ORDER}" in that order (sipp's captures have rising RTP timestamps in that order), got "${digits}"`);
    last = at;
  }
  return {
    calls: flags.int('calls', 1000, 1, 5000),
    holdSeconds: flags.int('hold', 30, 1, 3600),
    rate: flags.int('rate', 50, 1, 500),
    promptMs: flags.int('prompt-ms', 2000, 200, 30_000),
    digits,
    workers: flags.int('workers', 2, 1, 16),
    profile: flags.has('profile'),
  };
}

function pcapOf(digit: string): string {
  const name = digit === '*' ? 'star' : digit === '#' ? 'pound' : digit;
  return join(DTMF_PCAP_DIR, `dtmf_2833_${name}.pcap`);
}

function fill(template: string, values: Record<string, string | number>): string {
  let out = template;
  for (const [key, v] of Object.entries(values)) out = out.split(`@@${key}@@`).join(String(v));
  const missing = /@@[A-Z_]+@@/.exec(out);
  if (missing) throw new Error(`scenario placeholder ${missing[0]} was not filled`);
  return out;
}

interface Mark {
  t: number;
  cpu: CpuMark;
  host: HostTimes;
  /** process.hrtime in µs (the clock of V8's CPU profiles). */
  monoUs: number;
  /** CPU of the other processes of the bench (null once exited). */
  others: Record<string, CpuMark | null>;
  sample: ChildSample;
}

function markOf(pid: number): CpuMark | null {
  try {
    return cpuMark(pid);
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'parley-voice-load-'));
  removeOnExit(dir);
  const limits = machineLimits();
  const log = (m: string): void => void process.stderr.write(`[voice-load] ${m}\n`);

  // Media files: the prompt (WAV, played by voice) and the callers' audio (raw A-law, sipp rtp_stream).
  const promptPath = join(dir, 'prompt.wav');
  writeFileSync(promptPath, encodeWav(renderTone({ frequencies: [523], durationMs: args.promptMs, amplitude: 6000 })));
  const callerAudio = join(dir, 'caller-audio.al');
  writeFileSync(callerAudio, encodeFromPcm('pcma', renderTone({ frequencies: [440], durationMs: 2000, amplitude: 8000 })));
  const profileDir = join(dir, 'profile');
  if (args.profile) mkdirSync(profileDir);

  // Ports: SIP and media of each party, random and free; the node's RTP range below the ephemeral range.
  const taken = new Set<number>();
  const voiceSipPort = await randomFreeUdpPort(taken);
  const callersPort = await randomFreeUdpPort(taken);
  const callersMediaPort = await randomFreeUdpPort(taken, { even: true, extra: [1, 2, 3] });
  const agentsPort = await randomFreeUdpPort(taken);
  const agentsMediaPort = await randomFreeUdpPort(taken, { even: true, extra: [1, 2, 3] });
  const probePort = await randomFreeUdpPort(taken);
  const rtpSize = 2 * Math.ceil((args.calls * 4 * 1.25 + 200) / 2);
  const rtpPorts = await randomRtpRange(rtpSize, taken);

  const scenarios = join(__dirname, 'voice', 'scenarios');
  const dtmf = [...args.digits].map((d) => `  <nop><action><exec play_pcap_audio="${pcapOf(d)}"/></action></nop>\n  <pause milliseconds="300"/>`).join('\n');
  // The prompt starts right after the answer; the digits come once it has played (plus a margin).
  const promptWaitMs = args.promptMs + 700;
  writeFileSync(join(dir, 'callers.xml'), fill(readFileSync(join(scenarios, 'callers.xml'), 'utf8'), { AUDIO_FILE: callerAudio, PROMPT_WAIT_MS: promptWaitMs, DTMF: dtmf }));
  writeFileSync(join(dir, 'agents.xml'), fill(readFileSync(join(scenarios, 'agents.xml'), 'utf8'), { MEDIA_PORT: probePort }));

  const probe = await RtpEchoProbe.start(dir, probePort);
  const agents = new SippRun({ name: 'agents', dir, scenarioPath: join(dir, 'agents.xml'), args: ['-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(agentsPort), '-mp', String(agentsMediaPort)] });
  await agents.started();

  const tenantId = randomUUID();
  const number = '+18005550199';
  const { handle: voice, sip } = await VoiceNodeHandle.start({
    config: {
      mode: 'voice-load',
      sipPort: voiceSipPort,
      rtpPorts,
      mediaWorkers: args.workers,
      dir,
      tenantId,
      number,
      trunk: { address: '127.0.0.1', port: agentsPort },
      promptPath,
      expectedDigits: args.digits,
      agentNumber: '+14155550177',
    },
    ...(args.profile ? { cpuProfileDir: profileDir } : {}),
  });
  log(`voice node pid ${voice.pid} on udp ${sip.address}:${sip.port}, RTP ${rtpPorts[0]}-${rtpPorts[1]}; agents (sipp UAS) ${agentsPort}, media probe ${probePort}`);

  const runStart = cpuMark(voice.pid);
  const callSeconds = promptWaitMs / 1000 + args.digits.length * 0.3 + args.holdSeconds;
  const callers = new SippRun({
    name: 'callers',
    dir,
    scenarioPath: join(dir, 'callers.xml'),
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
      String(args.calls),
      '-r',
      String(args.rate),
      '-l',
      String(args.calls),
      '-d',
      String(args.holdSeconds * 1000),
    ],
  });
  const t0 = performance.now();
  log(`${args.calls} calls at ${args.rate}/s, each ~${round(callSeconds, 1)} s (prompt ${args.promptMs} ms, digits "${args.digits}", hold ${args.holdSeconds} s)`);

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
        const others = { sipp_callers: markOf(callers.pid), sipp_agents: markOf(agents.pid), rtp_echo_probe: probe.child.pid ? markOf(probe.child.pid) : null };
        const sample = await voice.sample();
        marks.push({ t: (performance.now() - t0) / 1000, cpu, host, monoUs, others, sample });
        if (marks.length % 5 === 0) {
          const d = sample.driver;
          const prev = marks[Math.max(0, marks.length - 6)]!;
          const cpuPct = pctOfOneCore(prev.cpu, cpu);
          log(`t=${Math.round(marks[marks.length - 1]!.t)}s started ${d.started} bridged ${d.bridged} active ${d.active} (bridged ${d.bridgedActive}) ended ${d.ended} digits ok ${d.digitsExpected} | voice ${round(cpuPct)}% of one core, rss ${Math.round(sample.rssBytes / 1e6)} MB`);
        }
      } catch (error) {
        log(`sample failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();

  const callersResult = await callers.wait((args.calls / args.rate + callSeconds + 180) * 1000);
  const runEnd = cpuMark(voice.pid);
  // Let the last hang-ups and recordings be reported.
  for (let i = 0; i < 40; i++) {
    const s = await voice.sample();
    if (s.driver.active === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  sampling = false;
  await sampler;
  const final = await voice.sample({ gc: true });
  await voice.stop();
  const agentsResult = await agents.stop();
  let probeFigures: ProbeFigures | null = null;
  try {
    probeFigures = await probe.stop();
  } catch (error) {
    log(`probe: ${error instanceof Error ? error.message : String(error)}`);
  }

  // The steady window: the longest stretch with at least 95 % of the peak number of calls up.
  const peakActive = Math.max(0, ...marks.map((m) => m.sample.driver.active));
  const peakBridged = Math.max(0, ...marks.map((m) => m.sample.driver.bridgedActive));
  let first = -1;
  let last = -2;
  for (let i = 0; i < marks.length; i++) {
    if (marks[i]!.sample.driver.active < 0.95 * peakActive) continue;
    let j = i;
    while (j + 1 < marks.length && marks[j + 1]!.sample.driver.active >= 0.95 * peakActive) j++;
    if (j - i > last - first) [first, last] = [i, j];
    i = j;
  }
  const windowStart = marks[first];
  const windowEnd = marks[last];
  const steady =
    windowStart && windowEnd && last > first
      ? {
          seconds: windowEnd.t - windowStart.t,
          cpuPct: pctOfOneCore(windowStart.cpu, windowEnd.cpu),
          hostBusyPct: hostBusyPct(windowStart.host, windowEnd.host),
          minBridged: Math.min(...marks.slice(first, last + 1).map((m) => m.sample.driver.bridgedActive)),
          others: Object.fromEntries(
            Object.keys(windowStart.others).map((name) => {
              const a = windowStart.others[name];
              const b = windowEnd.others[name];
              return [name, a && b ? round(pctOfOneCore(a, b)) : null];
            }),
          ),
        }
      : null;

  const d = final.driver;
  const callersOk = counter(callersResult.stats.last, 'SuccessfulCall(C)');
  const callersFailed = counter(callersResult.stats.last, 'FailedCall(C)');
  const agentsOk = counter(agentsResult.stats.last, 'SuccessfulCall(C)');
  const endedByCaller = d.endedByReason['caller-hangup'] ?? 0;
  // A call is good only if every party saw it through: sipp's caller and agent, and the driver
  // (bridged, ended by the caller's BYE, recorded with audio).
  const good = Math.min(callersOk, d.bridged, endedByCaller, agentsOk, d.recordings - d.emptyRecordings);
  const failed = args.calls - good;
  const rtp = (windowEnd ?? marks[marks.length - 1])?.sample.media.rtp ?? final.media.rtp;
  const lossPct = rtp.received + rtp.lost > 0 ? (rtp.lost / (rtp.received + rtp.lost)) * 100 : NaN;
  const probeLossPct = probeFigures && probeFigures.expected > 0 ? (probeFigures.lost / probeFigures.expected) * 100 : NaN;
  const cpuOne = steady?.cpuPct ?? NaN;
  const cpuAll = cpuOne / limits.cores;
  const wholeRunCpu = pctOfOneCore(runStart, runEnd);
  const clock = final.media.clock;
  const peakRss = Math.max(final.rssBytes, ...marks.map((m) => m.sample.rssBytes));

  const goalMet =
    args.calls >= GOAL.calls &&
    failed <= GOAL.failed &&
    lossPct <= GOAL.loss_pct_max &&
    (Number.isNaN(probeLossPct) || probeLossPct <= GOAL.loss_pct_max) &&
    cpuAll <= GOAL.voice_cpu_pct_of_all_cores_max;
  let profile: unknown = undefined;
  if (args.profile) {
    try {
      // The steady window only (start-up, TypeScript compilation and ramp-up left out).
      profile = summarizeProfiles(profileDir, windowStart && windowEnd && last > first ? { fromUs: windowStart.monoUs, toUs: windowEnd.monoUs } : null);
    } catch (error) {
      profile = { error: error instanceof Error ? error.message : String(error) };
    }
  } else if (!(cpuAll <= GOAL.voice_cpu_pct_of_all_cores_max)) {
    profile = `voice CPU is above the goal (${GOAL.voice_cpu_pct_of_all_cores_max} % of all cores): run again with --profile to list the top self-time functions of every thread`;
  }

  const result = {
    bench: 'voice-load',
    calls: args.calls,
    failed,
    hold_s: args.holdSeconds,
    caller_rate_cps: args.rate,
    peak_simultaneous_calls: peakActive,
    peak_simultaneous_bridged: peakBridged,
    steady_window_s: steady ? round(steady.seconds, 1) : 0,
    steady_window_min_bridged: steady ? steady.minBridged : 0,
    voice_cpu_pct_of_one_core: round(cpuOne),
    voice_cpu_pct_of_all_cores: round(cpuAll),
    voice_cpu_pct_of_one_core_whole_run: round(wholeRunCpu),
    host_cpu_busy_pct_all_cores: steady ? round(steady.hostBusyPct) : null,
    others_cpu_pct_of_one_core: steady ? steady.others : null,
    rtp_loss_pct: round(lossPct, 4),
    rtp_loss_pct_voice_to_agents: round(probeLossPct, 4),
    added_jitter_ms_p99: probeFigures ? round(probeFigures.lateMsP99, 2) : null,
    digits_detected: d.digitsExpected,
    digits_expected: args.calls,
    failed_breakdown: {
      sipp_callers_failed: callersFailed,
      sipp_callers_successful: callersOk,
      not_started: args.calls - d.started,
      ended_before_bridge: d.endedEarly,
      ended_by_reason: d.endedByReason,
      agents_successful: agentsOk,
      recordings_with_audio: d.recordings - d.emptyRecordings,
      command_failures: d.commandFailures,
      playback_failures: d.playbackFailures,
    },
    rtp_engine: { ...rtp, note: 'media engine stats of every leg (caller legs: sipp rtp_stream + DTMF; agent legs: the echo) at the end of the steady window; lost is RFC 3550 expected − received of each leg\u2019s current source' },
    send_lateness_ms: probeFigures
      ? {
          p50: round(probeFigures.lateMsP50, 2),
          p90: round(probeFigures.lateMsP90, 2),
          p99: round(probeFigures.lateMsP99, 2),
          p999: round(probeFigures.lateMsP999, 2),
          max: round(probeFigures.lateMsMax, 2),
          packets: probeFigures.samples,
          note: 'voice → agent streams, kernel receive timestamps on loopback, against each stream\u2019s own 20 ms RTP schedule',
        }
      : null,
    probe: probeFigures,
    media_clock: { late_ms_avg: round(clock.lateMsAvg, 2), late_ms_max: round(clock.lateMsMax, 1), skipped_frames: clock.skippedFrames, task_errors: clock.taskErrors, note: 'MediaClock stats of the workers since they started (max of the workers, average of their averages); no percentile is exposed' },
    digits_other: d.digitsOther,
    recordings: d.recordings,
    recordings_empty: d.emptyRecordings,
    recording_avg_s: d.recordings ? round(d.recordingMsTotal / d.recordings / 1000, 1) : 0,
    driver_bridge_latency_ms: { ...d.bridgeLatencyMs, note: 'digits-collected → bridged: bridge-number through the trunk to the agents' },
    driver_answer_latency_ms: { ...d.answerLatencyMs, note: 'voice.call.started → voice.call.answered as the driver saw them: the answer command queued behind the node’s other commands' },
    voice_rss_mb_peak: Math.round(peakRss / 1e6),
    voice_heap_mb_after_run_gc: Math.round(final.heapUsedBytes / 1e6),
    voice_loop_delay_ms_p99: round(final.loopDelayMsP99, 1),
    voice_loop_delay_ms_max: round(final.loopDelayMsMax, 1),
    voice_log: { warn: final.log.warn, error: final.log.error, samples: final.log.samples },
    driver_samples: d.samples,
    sipp: {
      callers: { exit_code: callersResult.exitCode, successful: callersOk, failed: callersFailed, errors: callersResult.errors },
      agents: { exit_code: agentsResult.exitCode, incoming: counter(agentsResult.stats.last, 'IncomingCall(C)'), successful: agentsOk, failed: counter(agentsResult.stats.last, 'FailedCall(C)'), errors: agentsResult.errors },
    },
    agents: 'sipp-uas-via-trunk',
    agent_media: 'rtp-echo-probe.c (echoes every packet; measures loss and send lateness)',
    driver: 'in the voice process: CallFlowDriver on the in-process bus (answer → record-start stereo → collect with prompt → bridge-number via trunk)',
    media_workers: args.workers,
    machine: { ...limits, shared: 'other processes (sipp, the probe, other engineers) use the same cores' },
    node: process.version,
    goal: GOAL,
    goal_met: goalMet,
    ...(profile !== undefined ? { profile } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

runBench(main);
