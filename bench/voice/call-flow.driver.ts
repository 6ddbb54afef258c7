// The bench's stand-in for the services that drive calls (ivr, acd): it runs in the voice node's
// process, subscribes to the voice.call.* events on the same bus and answers them with
// voice.command.issued.v1 commands, as the real services would over Kafka.
//   voice-load: started → answer, record-start (stereo), collect (prompt, N digits);
//               digits-collected → bridge-number (the agents, through the trunk); the caller hangs up.
//   sip-cps:    started → answer; the caller hangs up.
// It counts what happened to every call, so the bench can tell failed calls from good ones.
import { randomUUID } from 'node:crypto';
import {
  type Envelope,
  type PayloadOf,
  type VoiceCommand,
  voiceCallAnsweredV1,
  voiceCallBridgedV1,
  voiceCallDigitsCollectedV1,
  voiceCallEndedV1,
  voiceCallPlaybackFinishedV1,
  voiceCallStartedV1,
  voiceCommandFailedV1,
  voiceCommandIssuedV1,
  voiceRecordingCompletedV1,
} from '@parley/contracts';
import { createEnvelope, type EventBus, type Subscription } from '@parley/messaging';
import { type DriverCounters, type DriverMode, type LatencySummary } from './voice-bench.protocol';

export interface CallFlowDriverOptions {
  bus: EventBus;
  mode: DriverMode;
  /** voice-load: the prompt file played by `collect`. */
  promptPath: string | null;
  expectedDigits: string;
  agentNumber: string;
}

interface CallProgress {
  tenantId: string;
  answered: boolean;
  bridged: boolean;
  startedAt: number;
  collectedAt?: number;
}

/** Latencies in 1 ms bins up to 60 s (the last bin takes anything longer): cheap to summarise often. */
class LatencyHistogram {
  private readonly bins = new Uint32Array(60_001);
  private count = 0;
  private max = 0;

  add(ms: number): void {
    const v = Math.max(0, Math.round(ms));
    this.bins[Math.min(v, this.bins.length - 1)]!++;
    this.count++;
    if (v > this.max) this.max = v;
  }

  summary(): LatencySummary {
    const at = (p: number): number => {
      if (this.count === 0) return NaN;
      const rank = Math.ceil((p / 100) * this.count);
      let seen = 0;
      for (let i = 0; i < this.bins.length; i++) {
        seen += this.bins[i]!;
        if (seen >= rank) return i;
      }
      return this.max;
    };
    return { count: this.count, p50: at(50), p99: at(99), max: this.max };
  }
}

const MAX_SAMPLES = 12;
const ISSUED_BY = 'bench-driver';

export class CallFlowDriver {
  private readonly calls = new Map<string, CallProgress>();
  private subscription: Subscription | null = null;
  private readonly answerLatency = new LatencyHistogram();
  private readonly bridgeLatency = new LatencyHistogram();
  private readonly counts: DriverCounters = {
    started: 0,
    answered: 0,
    digitsExpected: 0,
    digitsOther: 0,
    bridged: 0,
    ended: 0,
    endedByReason: {},
    endedEarly: 0,
    recordings: 0,
    emptyRecordings: 0,
    recordingMsTotal: 0,
    commandFailures: {},
    playbackFailures: 0,
    answerLatencyMs: { count: 0, p50: NaN, p99: NaN, max: 0 },
    bridgeLatencyMs: { count: 0, p50: NaN, p99: NaN, max: 0 },
    active: 0,
    bridgedActive: 0,
    samples: [],
  };

  constructor(private readonly options: CallFlowDriverOptions) {
    if (options.mode === 'voice-load') {
      if (!options.promptPath) throw new Error('the voice-load driver needs promptPath (the collect prompt)');
      if (!/^[0-9*#]{1,64}$/.test(options.expectedDigits)) throw new Error(`expectedDigits must be 1-64 DTMF digits, got "${options.expectedDigits}"`);
    }
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe({
      group: 'bench.call-flow-driver',
      topics: [voiceCallStartedV1, voiceCallAnsweredV1, voiceCallDigitsCollectedV1, voiceCallBridgedV1, voiceCallEndedV1, voiceRecordingCompletedV1, voiceCommandFailedV1, voiceCallPlaybackFinishedV1],
      fromBeginning: false,
      handle: async ({ envelope, topic }) => this.onEvent(topic.name, envelope),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }

  counters(): DriverCounters {
    let bridgedActive = 0;
    for (const call of this.calls.values()) if (call.bridged) bridgedActive++;
    return { ...this.counts, endedByReason: { ...this.counts.endedByReason }, commandFailures: { ...this.counts.commandFailures }, samples: [...this.counts.samples], answerLatencyMs: this.answerLatency.summary(), bridgeLatencyMs: this.bridgeLatency.summary(), active: this.calls.size, bridgedActive };
  }

  private sample(text: string): void {
    if (this.counts.samples.length < MAX_SAMPLES) this.counts.samples.push(text);
  }

  private async command(tenantId: string, callId: string, commands: VoiceCommand[]): Promise<void> {
    await this.options.bus.publish(commands.map((command) => createEnvelope(voiceCommandIssuedV1, tenantId, { callId, commandId: randomUUID(), issuedBy: ISSUED_BY, command })));
  }

  private async onEvent(topic: string, envelope: Envelope): Promise<void> {
    const tenantId = envelope.tenantId;
    switch (topic) {
      case voiceCallStartedV1.name: {
        const p = envelope.payload as PayloadOf<typeof voiceCallStartedV1>;
        this.counts.started++;
        this.calls.set(p.callId, { tenantId, answered: false, bridged: false, startedAt: performance.now() });
        if (this.options.mode === 'sip-cps') {
          await this.command(tenantId, p.callId, [{ type: 'answer' }]);
          return;
        }
        await this.command(tenantId, p.callId, [
          { type: 'answer' },
          { type: 'record-start', channels: 'stereo' },
          {
            type: 'collect',
            prompts: [{ kind: 'file', uri: this.options.promptPath! }],
            maxDigits: this.options.expectedDigits.length,
            firstDigitTimeoutMs: 15_000,
            interDigitTimeoutMs: 5_000,
          },
        ]);
        return;
      }
      case voiceCallAnsweredV1.name: {
        const call = this.calls.get((envelope.payload as PayloadOf<typeof voiceCallAnsweredV1>).callId);
        this.counts.answered++;
        if (call) {
          call.answered = true;
          this.answerLatency.add(performance.now() - call.startedAt);
        }
        return;
      }
      case voiceCallDigitsCollectedV1.name: {
        const p = envelope.payload as PayloadOf<typeof voiceCallDigitsCollectedV1>;
        if (p.outcome === 'hangup') return; // the call ended while collecting: counted as ended early
        if (p.digits === this.options.expectedDigits) this.counts.digitsExpected++;
        else {
          this.counts.digitsOther++;
          this.sample(`digits "${p.digits}" (${p.outcome}), expected "${this.options.expectedDigits}"`);
        }
        // The call goes on to the agents whatever was dialled: the load stays the same.
        const collecting = this.calls.get(p.callId);
        if (collecting) collecting.collectedAt = performance.now();
        if (collecting) await this.command(tenantId, p.callId, [{ type: 'bridge-number', number: this.options.agentNumber, ringTimeoutMs: 10_000, afterHangup: 'end' }]);
        return;
      }
      case voiceCallBridgedV1.name: {
        const call = this.calls.get((envelope.payload as PayloadOf<typeof voiceCallBridgedV1>).callId);
        this.counts.bridged++;
        if (call) {
          call.bridged = true;
          if (call.collectedAt !== undefined) this.bridgeLatency.add(performance.now() - call.collectedAt);
        }
        return;
      }
      case voiceCallEndedV1.name: {
        const p = envelope.payload as PayloadOf<typeof voiceCallEndedV1>;
        const call = this.calls.get(p.callId);
        this.calls.delete(p.callId);
        this.counts.ended++;
        this.counts.endedByReason[p.reason] = (this.counts.endedByReason[p.reason] ?? 0) + 1;
        const early = this.options.mode === 'sip-cps' ? !call?.answered : !call?.bridged;
        if (early) {
          this.counts.endedEarly++;
          this.sample(`call ended (${p.reason}) before it was ${this.options.mode === 'sip-cps' ? 'answered' : 'bridged'}, after ${p.totalMs} ms`);
        }
        return;
      }
      case voiceRecordingCompletedV1.name: {
        const p = envelope.payload as PayloadOf<typeof voiceRecordingCompletedV1>;
        this.counts.recordings++;
        this.counts.recordingMsTotal += p.durationMs;
        if (p.bytes <= 44) this.counts.emptyRecordings++;
        return;
      }
      case voiceCommandFailedV1.name: {
        const p = envelope.payload as PayloadOf<typeof voiceCommandFailedV1>;
        const key = `${p.commandType}:${p.reason}`;
        this.counts.commandFailures[key] = (this.counts.commandFailures[key] ?? 0) + 1;
        this.sample(`${key}: ${p.detail}`);
        return;
      }
      case voiceCallPlaybackFinishedV1.name: {
        const p = envelope.payload as PayloadOf<typeof voiceCallPlaybackFinishedV1>;
        if (p.outcome === 'failed') {
          this.counts.playbackFailures++;
          this.sample(`playback failed: ${p.detail ?? ''}`);
        }
        return;
      }
    }
  }
}
