// Messages between a voice bench (the parent) and the voice node it runs in a child process
// (voice-node.child.ts). Plain data only: they cross the IPC channel as JSON.
import { type MediaEngineStats } from '@parley/media';

export type DriverMode = 'voice-load' | 'sip-cps';

export interface VoiceChildConfig {
  mode: DriverMode;
  /** UDP SIP port of the voice node on 127.0.0.1 (0: any free port, reported in `ready`). */
  sipPort: number;
  /** RTP port range of the media workers. */
  rtpPorts: [number, number];
  mediaWorkers: number;
  /** Temp dir of this run: recordings and the TTS cache go below it. */
  dir: string;
  tenantId: string;
  /** The tenant's number the callers dial (E.164). */
  number: string;
  /** The agents' sipp UAS, reached through the node's outbound trunk (voice-load only). */
  trunk: { address: string; port: number } | null;
  /** voice-load: the prompt the `collect` command plays (an 8 kHz WAV). */
  promptPath: string | null;
  /** voice-load: the digits the callers send (RFC 4733) and the `collect` must return. */
  expectedDigits: string;
  /** voice-load: the outside number `bridge-number` dials through the trunk. */
  agentNumber: string;
}

export interface DriverCounters {
  started: number;
  answered: number;
  /** digits-collected events whose digits are the expected ones. */
  digitsExpected: number;
  /** digits-collected events with other digits (or none): their digits and outcome are sampled. */
  digitsOther: number;
  bridged: number;
  ended: number;
  endedByReason: Record<string, number>;
  /** Calls that ended before they were bridged (voice-load) or answered (sip-cps). */
  endedEarly: number;
  recordings: number;
  /** Recordings with no audio (a 44-byte header or less). */
  emptyRecordings: number;
  recordingMsTotal: number;
  commandFailures: Record<string, number>;
  playbackFailures: number;
  /** voice.call.started → voice.call.answered, as the driver saw them (its answer command's round trip). */
  answerLatencyMs: LatencySummary;
  /** voice-load: digits-collected → bridged (the bridge-number command, the trunk INVITE to the agents). */
  bridgeLatencyMs: LatencySummary;
  /** Calls in progress (started, not ended) and those of them that are bridged. */
  active: number;
  bridgedActive: number;
  samples: string[];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LogCounts {
  warn: number;
  error: number;
  samples: string[];
}

export interface ChildSample {
  /** Date.now() in the child when the sample was taken. */
  atMs: number;
  driver: DriverCounters;
  media: MediaEngineStats;
  /** Calls the voice node holds. */
  nodeCalls: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** The child's main-thread event-loop delay since the last `reset-loop-delay`. */
  loopDelayMsP99: number;
  loopDelayMsMax: number;
  log: LogCounts;
}

/** `gc`: run a full garbage collection first (the node runs with --expose-gc), so heapUsed is live data. */
export type ToChild = { type: 'sample'; gc?: boolean } | { type: 'reset-loop-delay' } | { type: 'stop' };

export type FromChild =
  | { type: 'ready'; sip: { address: string; port: number } }
  | { type: 'sample'; sample: ChildSample }
  | { type: 'stopped'; sample: ChildSample }
  | { type: 'error'; message: string };
