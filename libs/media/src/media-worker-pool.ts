// Runs the media engine in N worker threads so calls use every core: each worker has its own
// media clock, sockets and a slice of the RTP port range; a call (all its legs) lives in the
// worker with the fewest calls when it is created. Same API as the in-thread MediaEngine.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type DtmfToneOptions } from './dtmf-rfc4733';
import { type MediaClockStats } from './media-clock';
import {
  type LegInfo,
  type LegSpec,
  type LegUpdateOptions,
  type MediaEngineApi,
  MediaEngineError,
  type MediaEngineEvent,
  type MediaEngineOptions,
  type MediaEngineStats,
  type PlayOptions,
  type PlaySpec,
  type RecordingSideIds,
  type RecordSpec,
  type WebRtcLegAnswer,
  type WebRtcLegCompletion,
  type WebRtcLegOffer,
  type WebRtcLegReanswer,
  type WebRtcLegSpec,
} from './media-engine';
import { type MediaWorkerMessage, type MediaWorkerMethod } from './media-worker-protocol';
import { type MixMode } from './mixer';
import { type RtpEndpoint } from './rtp-session';
import { type RecordingResult } from './wav-recorder';

export interface MediaWorkerPoolOptions extends MediaEngineOptions {
  /** Worker threads; default 2. */
  readonly workers?: number;
}

export interface MediaWorkerPoolStats extends MediaEngineStats {
  readonly workers: readonly (MediaEngineStats | null)[];
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

class WorkerHandle {
  readonly pending = new Map<number, Pending>();
  calls = 0;
  alive = true;
  private nextId = 1;

  constructor(
    readonly index: number,
    readonly worker: Worker,
  ) {}

  request(method: MediaWorkerMethod, args: readonly unknown[]): Promise<unknown> {
    if (!this.alive) return Promise.reject(new MediaEngineError(`media worker ${this.index} is not running`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args });
    });
  }
}

/** Splits [min, max] into `n` ranges of even ports. */
export function splitPortRange(min: number, max: number, n: number): { min: number; max: number }[] {
  const start = min + (min % 2);
  const pairs = Math.floor((max + 1 - start) / 2);
  if (pairs < n) throw new MediaEngineError(`RTP port range ${min}-${max} is too small for ${n} workers`);
  const per = Math.floor(pairs / n);
  return Array.from({ length: n }, (_, i) => {
    const lo = start + i * per * 2;
    const hi = i === n - 1 ? max : lo + per * 2 - 1;
    return { min: lo, max: hi };
  });
}

/** The worker entry: the compiled .js when present, else the TypeScript source through SWC. */
function workerEntry(): { file: string; eval: boolean } {
  const js = join(__dirname, 'media-worker.js');
  if (existsSync(js)) return { file: js, eval: false };
  const ts = join(__dirname, 'media-worker.ts');
  const register = require.resolve('@swc-node/register');
  return { file: `require(${JSON.stringify(register)}); require(${JSON.stringify(ts)});`, eval: true };
}

export class MediaWorkerPool extends EventEmitter<{ event: [MediaEngineEvent] }> implements MediaEngineApi {
  private readonly handles: WorkerHandle[];
  private readonly callWorker = new Map<string, WorkerHandle>();
  private closing = false;

  private constructor(handles: WorkerHandle[]) {
    super();
    this.handles = handles;
    for (const h of handles) {
      h.worker.on('message', (m: MediaWorkerMessage) => this.onMessage(h, m));
      h.worker.on('error', (error) => this.onExit(h, error));
      h.worker.on('exit', (code) => this.onExit(h, new Error(`exited with code ${code}`)));
    }
  }

  /** Starts the workers and waits until each answers. */
  static async start(options: MediaWorkerPoolOptions): Promise<MediaWorkerPool> {
    const n = options.workers ?? 2;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new MediaEngineError(`media workers must be 1-64, got ${n}`);
    const ranges = splitPortRange(options.portMin, options.portMax, n);
    const entry = workerEntry();
    const handles = ranges.map((range, i) => {
      const engineOptions: MediaEngineOptions = { ...options, portMin: range.min, portMax: range.max };
      delete (engineOptions as { workers?: number }).workers;
      return new WorkerHandle(i, new Worker(entry.file, { eval: entry.eval, workerData: { options: engineOptions } }));
    });
    const pool = new MediaWorkerPool(handles);
    try {
      await Promise.all(handles.map((h) => h.request('stats', [])));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.handles.length;
  }

  private onMessage(h: WorkerHandle, m: MediaWorkerMessage): void {
    if (m.kind === 'event') {
      this.emit('event', m.event);
      return;
    }
    const pending = h.pending.get(m.id);
    if (!pending) return;
    h.pending.delete(m.id);
    if (m.ok) pending.resolve(m.result);
    else
      pending.reject(
        m.error.name === 'MediaEngineError'
          ? new MediaEngineError(m.error.message, { sdpReason: m.error.sdpReason })
          : Object.assign(new Error(m.error.message), { name: m.error.name }),
      );
  }

  private onExit(h: WorkerHandle, error: Error): void {
    if (!h.alive) return;
    h.alive = false;
    const failure = new MediaEngineError(`media worker ${h.index} stopped: ${error.message}`);
    for (const p of h.pending.values()) p.reject(failure);
    h.pending.clear();
    for (const [callId, owner] of this.callWorker) {
      if (owner !== h) continue;
      this.callWorker.delete(callId);
      if (!this.closing) this.emit('event', { type: 'error', callId, message: failure.message });
    }
  }

  private owner(callId: string): WorkerHandle {
    const h = this.callWorker.get(callId);
    if (!h) throw new MediaEngineError(`no media for call "${callId}"`);
    return h;
  }

  private async call<T>(callId: string, method: MediaWorkerMethod, args: readonly unknown[]): Promise<T> {
    return (await this.owner(callId).request(method, args)) as T;
  }

  async createCall(callId: string): Promise<void> {
    if (this.callWorker.has(callId)) throw new MediaEngineError(`call "${callId}" already has media`);
    let best: WorkerHandle | null = null;
    for (const h of this.handles) if (h.alive && (best === null || h.calls < best.calls)) best = h;
    if (!best) throw new MediaEngineError('no media worker is running');
    this.callWorker.set(callId, best);
    best.calls++;
    try {
      await best.request('createCall', [callId]);
    } catch (error) {
      this.callWorker.delete(callId);
      best.calls--;
      throw error;
    }
  }

  createLeg(callId: string, legId: string, spec: LegSpec): Promise<LegInfo> {
    return this.call(callId, 'createLeg', [callId, legId, spec]);
  }

  updateLeg(callId: string, legId: string, remote: RtpEndpoint | null, options?: LegUpdateOptions): Promise<void> {
    return this.call(callId, 'updateLeg', [callId, legId, remote, options]);
  }

  removeLeg(callId: string, legId: string): Promise<void> {
    return this.call(callId, 'removeLeg', [callId, legId]);
  }

  createWebRtcLeg(callId: string, legId: string, spec: WebRtcLegSpec): Promise<WebRtcLegOffer> {
    return this.call(callId, 'createWebRtcLeg', [callId, legId, spec]);
  }

  completeWebRtcLeg(callId: string, legId: string, answerSdp: string): Promise<WebRtcLegCompletion> {
    return this.call(callId, 'completeWebRtcLeg', [callId, legId, answerSdp]);
  }

  answerWebRtcOffer(callId: string, legId: string, offerSdp: string, spec: WebRtcLegSpec): Promise<WebRtcLegAnswer> {
    return this.call(callId, 'answerWebRtcOffer', [callId, legId, offerSdp, spec]);
  }

  renegotiateWebRtcLeg(callId: string, legId: string, offerSdp: string): Promise<WebRtcLegReanswer> {
    return this.call(callId, 'renegotiateWebRtcLeg', [callId, legId, offerSdp]);
  }

  play(callId: string, legId: string, what: PlaySpec, options?: PlayOptions): Promise<void> {
    return this.call(callId, 'play', [callId, legId, what, options]);
  }

  stopPlayback(callId: string, legId: string): Promise<void> {
    return this.call(callId, 'stopPlayback', [callId, legId]);
  }

  bridge(callId: string): Promise<void> {
    return this.call(callId, 'bridge', [callId]);
  }

  unbridge(callId: string): Promise<void> {
    return this.call(callId, 'unbridge', [callId]);
  }

  setMode(callId: string, legId: string, mode: MixMode, whisperTo: string | null = null): Promise<void> {
    return this.call(callId, 'setMode', [callId, legId, mode, whisperTo]);
  }

  sendDigits(callId: string, legId: string, digits: string, options?: DtmfToneOptions): Promise<void> {
    return this.call(callId, 'sendDigits', [callId, legId, digits, options]);
  }

  startRecording(callId: string, spec: RecordSpec): Promise<void> {
    return this.call(callId, 'startRecording', [callId, spec]);
  }

  setRecordingSides(callId: string, sides: { readonly left: RecordingSideIds; readonly right: RecordingSideIds }): Promise<void> {
    return this.call(callId, 'setRecordingSides', [callId, sides]);
  }

  pauseRecording(callId: string): Promise<void> {
    return this.call(callId, 'pauseRecording', [callId]);
  }

  resumeRecording(callId: string): Promise<void> {
    return this.call(callId, 'resumeRecording', [callId]);
  }

  stopRecording(callId: string): Promise<RecordingResult | null> {
    return this.call(callId, 'stopRecording', [callId]);
  }

  async hangup(callId: string): Promise<{ recording: RecordingResult | null }> {
    const h = this.callWorker.get(callId);
    if (!h) return { recording: null };
    this.callWorker.delete(callId);
    h.calls--;
    return (await h.request('hangup', [callId])) as { recording: RecordingResult | null };
  }

  async stats(): Promise<MediaWorkerPoolStats> {
    const workers = await Promise.all(this.handles.map((h) => (h.alive ? (h.request('stats', []) as Promise<MediaEngineStats>) : Promise.resolve(null))));
    const live = workers.filter((w): w is MediaEngineStats => w !== null);
    const clocks = live.map((w) => w.clock);
    const clock: MediaClockStats = {
      tasks: sum(clocks.map((c) => c.tasks)),
      slotLoad: clocks[0]?.slotLoad.map((_, i) => sum(clocks.map((c) => c.slotLoad[i] ?? 0))) ?? [],
      slotRuns: sum(clocks.map((c) => c.slotRuns)),
      lateMsMax: Math.max(0, ...clocks.map((c) => c.lateMsMax)),
      lateMsAvg: clocks.length ? sum(clocks.map((c) => c.lateMsAvg)) / clocks.length : 0,
      skippedFrames: sum(clocks.map((c) => c.skippedFrames)),
      busyMs: sum(clocks.map((c) => c.busyMs)),
      taskErrors: sum(clocks.map((c) => c.taskErrors)),
    };
    return {
      calls: sum(live.map((w) => w.calls)),
      legs: sum(live.map((w) => w.legs)),
      portsAvailable: sum(live.map((w) => w.portsAvailable)),
      clock,
      rtp: {
        sent: sum(live.map((w) => w.rtp.sent)),
        received: sum(live.map((w) => w.rtp.received)),
        lost: sum(live.map((w) => w.rtp.lost)),
        late: sum(live.map((w) => w.rtp.late)),
      },
      webrtc: {
        legs: sum(live.map((w) => w.webrtc.legs)),
        awaitingAnswer: sum(live.map((w) => w.webrtc.awaitingAnswer)),
        connected: sum(live.map((w) => w.webrtc.connected)),
        failed: sum(live.map((w) => w.webrtc.failed)),
      },
      workers,
    };
  }

  /** Hangs up every call and stops the workers. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.handles.map(async (h) => {
        if (h.alive) await h.request('close', []).catch(() => undefined);
        await h.worker.terminate();
      }),
    );
    this.callWorker.clear();
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
