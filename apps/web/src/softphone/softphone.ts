import { type SipCredentials } from '@parley/contracts';
import { type Timers } from '../live/websocket-live-feed';
import { summarizeCallStats } from './call-quality';
import {
  DTMF_PATTERN,
  normalizeTransferNumber,
  PhoneError,
  UUID_PATTERN,
  type AudioDevices,
  type CallQuality,
  type Phone,
  type PhoneCall,
  type PhoneSnapshot,
  type TransferTarget,
} from './phone';
import { type IncomingInvite, type SessionLike, type UaEvent, type UaFactory, type UaLike } from './sip-ua.port';

/** The browser's media devices, as far as the phone uses them (`navigator.mediaDevices`). */
export interface MediaPort {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  enumerateDevices(): Promise<Pick<MediaDeviceInfo, 'deviceId' | 'kind' | 'label'>[]>;
}

/** Where the far end is heard: an `<audio>` element in the browser. */
export interface AudioOutput {
  play(track: MediaStreamTrack, stream: MediaStream | null): void;
  stop(): void;
  /** Routes the audio to an output device ('' for the default). */
  setSinkId(deviceId: string): Promise<void>;
  readonly canChooseOutput: boolean;
}

export interface SoftphoneOptions {
  /** Fresh short-lived credentials (`POST /api/v1/agents/me/sip-credentials`). */
  credentials(): Promise<SipCredentials>;
  createUa: UaFactory;
  media: MediaPort;
  audio: AudioOutput;
  /** Delays of the retries when credentials cannot be had (default 2 s, 10 s, 30 s); then the phone reports it and waits for `reconnect()`. */
  retryDelaysMs?: readonly number[];
  /** How long a transfer may wait for the far end's answer (default 15 s). */
  transferTimeoutMs?: number;
  /** Told about failures worth a console line. */
  onProblem?(problem: string, cause?: unknown): void;
  timers?: Timers;
  now?: () => number;
}

/** The header the voice node puts on the INVITE that rings an agent. */
export const CALL_ID_HEADER = 'X-Parley-Call-Id';

/** The Parley call id an INVITE carries, or null when the header is absent or not a call id. */
export function callIdOf(request: IncomingInvite): string | null {
  const value = request.header(CALL_ID_HEADER)?.trim() ?? '';
  return UUID_PATTERN.test(value) ? value.toLowerCase() : null;
}

/**
 * When to renew credentials that expire at `expiresAtSeconds` (Unix seconds): after four fifths of
 * their remaining life, and at least 30 s before they expire, so the user agent's own REGISTER
 * refreshes never carry a dead password. Never sooner than in 1 s (no busy loop on a bad clock).
 */
export function renewalDelayMs(expiresAtSeconds: number, nowMs: number): number {
  const left = expiresAtSeconds * 1000 - nowMs;
  return Math.max(1000, left - Math.max(30_000, left / 5));
}

const REGISTER_EXPIRES_SECONDS = 300;
const DEFAULT_RETRY_DELAYS_MS = [2_000, 10_000, 30_000] as const;

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The agent's softphone over a SIP user agent (jssip in the browser): registers with short-lived
 * credentials and renews them before they expire, takes one call at a time (a second INVITE gets
 * 486), and does what the desktop asks with it. The user agent reconnects its WebSocket by itself
 * and registers again when it is back; this class only reports the connection.
 */
export class Softphone implements Phone {
  private state: PhoneSnapshot = { connection: 'disconnected', registration: 'unregistered', problem: null, call: null };
  private readonly listeners = new Set<() => void>();
  private ua: UaLike | null = null;
  private session: SessionLike | null = null;
  private credentials: SipCredentials | null = null;
  private renewal: unknown = null;
  private renewing = false;
  /** New credentials for another address, taken once the call in progress has ended. */
  private deferred: SipCredentials | null = null;
  private failures = 0;
  private running = false;
  /** Counts starts and stops: what an earlier run still delivers is dropped. */
  private run = 0;
  /** A failed REGISTER renews the credentials once before it is reported (reset by a success). */
  private renewedAfterRejection = false;
  private inputDeviceId: string | null = null;
  private callSeq = 0;
  private readonly timers: Timers;
  private readonly now: () => number;

  constructor(private readonly options: SoftphoneOptions) {
    this.timers = options.timers ?? browserTimers;
    this.now = options.now ?? Date.now;
  }

  snapshot(): PhoneSnapshot {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.run += 1;
    this.update({ connection: 'connecting', problem: null });
    void this.renew();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.run += 1;
    this.clearRenewal();
    if (this.session && this.inCall()) this.session.terminate();
    this.session = null;
    this.options.audio.stop();
    const ua = this.ua;
    this.ua = null;
    this.credentials = null;
    this.deferred = null;
    this.failures = 0;
    this.renewing = false;
    ua?.stop();
    this.update({ connection: 'disconnected', registration: 'unregistered' });
  }

  reconnect(): void {
    if (!this.running) return;
    if (this.renewing) return;
    const due = !this.credentials || renewalDelayMs(this.credentials.expiresAt, this.now()) <= 1000;
    if (due || this.renewal === null) {
      this.clearRenewal();
      void this.renew();
      return;
    }
    this.ua?.register();
  }

  answer(): void {
    const { session, call } = this.current('ringing');
    this.setCall({ ...call, state: 'answering' });
    session.answer({ mediaConstraints: { audio: this.inputConstraint(), video: false }, pcConfig: { iceServers: [] } });
  }

  reject(): void {
    const { session } = this.current('ringing');
    session.terminate({ statusCode: 486, reasonPhrase: 'Busy Here' });
  }

  hangup(): void {
    const call = this.state.call;
    if (!this.session || !call || call.state === 'ended') throw new PhoneError('no-call', 'there is no call to hang up');
    this.session.terminate();
  }

  hold(on: boolean): void {
    const { session } = this.current('connected');
    if (on) session.hold();
    else session.unhold();
  }

  mute(on: boolean): void {
    const { session, call } = this.current('connected');
    if (on) session.mute();
    else session.unmute();
    this.setCall({ ...call, muted: on });
  }

  sendDtmf(tones: string): void {
    const { session } = this.current('connected');
    if (!DTMF_PATTERN.test(tones)) throw new PhoneError('bad-tones', `"${tones}" is not keypad tones (0-9, *, #, A-D; at most 32)`);
    session.sendDtmf(tones);
  }

  transfer(target: TransferTarget): Promise<void> {
    const { session } = this.current('connected');
    const uri = this.transferUri(target);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timeoutMs = this.options.transferTimeoutMs ?? 15_000;
      const timer = this.timers.setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new PhoneError('transfer-timeout', `the transfer to ${uri} had no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      session.refer(uri, (outcome) => {
        if (settled) return;
        settled = true;
        this.timers.clearTimeout(timer);
        if (outcome.accepted) resolve();
        else reject(new PhoneError('transfer-failed', `the transfer to ${uri} failed: ${outcome.reason}`));
      });
    });
  }

  async quality(): Promise<CallQuality | null> {
    const connection = this.session?.connection;
    if (!connection || this.state.call?.state !== 'connected') return null;
    const entries: { type: string; kind?: string }[] = [];
    (await connection.getStats()).forEach((entry: { type: string; kind?: string }) => entries.push(entry));
    return summarizeCallStats(entries);
  }

  async devices(): Promise<AudioDevices> {
    const all = await this.options.media.enumerateDevices();
    const pick = (kind: MediaDeviceKind) => all.filter((d) => d.kind === kind && d.deviceId !== '').map((d) => ({ deviceId: d.deviceId, label: d.label }));
    return { inputs: pick('audioinput'), outputs: pick('audiooutput'), canChooseOutput: this.options.audio.canChooseOutput };
  }

  async useInput(deviceId: string | null): Promise<void> {
    this.inputDeviceId = deviceId;
    const connection = this.session?.connection;
    const call = this.state.call;
    if (!connection || !call || call.state !== 'connected') return;
    // Swap the microphone under the running call: no renegotiation needed for the same codec.
    const stream = await this.options.media.getUserMedia({ audio: this.inputConstraint(), video: false });
    const [track] = stream.getAudioTracks();
    const sender = connection.getSenders().find((s) => s.track?.kind === 'audio');
    if (!track || !sender) return;
    track.enabled = !call.muted;
    const previous = sender.track;
    await sender.replaceTrack(track);
    previous?.stop();
  }

  async useOutput(deviceId: string | null): Promise<void> {
    await this.options.audio.setSinkId(deviceId ?? '');
  }

  // ——— credentials and registration ———

  /** Gets fresh credentials and puts them to use; one at a time (`renewing`), dropped when the phone stopped meanwhile. */
  private async renew(): Promise<void> {
    const run = this.run;
    this.renewing = true;
    try {
      await this.renewOnce(run);
    } finally {
      if (run === this.run) this.renewing = false;
    }
  }

  private async renewOnce(run: number): Promise<void> {
    let credentials: SipCredentials;
    try {
      credentials = await this.options.credentials();
    } catch (error) {
      if (run === this.run) this.retryRenewal(error);
      return;
    }
    if (run !== this.run) return;
    this.failures = 0;
    const previous = this.credentials;
    const moved = !previous || previous.websocketUrl !== credentials.websocketUrl || previous.uri !== credentials.uri;
    if (!this.ua || (moved && !this.inCall())) {
      this.credentials = credentials;
      if (!(await this.replaceUa(credentials))) return;
    } else {
      // Never cut a call to move to another address: the move waits until the call has ended.
      if (moved) this.deferred = credentials;
      else this.credentials = credentials;
      this.ua.setCredentials(credentials.username, credentials.password);
      this.ua.register();
    }
    this.renewal = this.timers.setTimeout(() => {
      this.renewal = null;
      void this.renew();
    }, renewalDelayMs(credentials.expiresAt, this.now()));
  }

  private retryRenewal(error: unknown): void {
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const delay = delays[this.failures];
    this.failures += 1;
    if (delay === undefined) {
      this.failures = 0;
      this.options.onProblem?.('the SIP credentials could not be renewed; the phone waits for the network to come back', error);
      this.update({ problem: { kind: 'credentials' } });
      return;
    }
    this.options.onProblem?.(`the SIP credentials could not be had; retrying in ${delay} ms`, error);
    this.renewal = this.timers.setTimeout(() => {
      this.renewal = null;
      void this.renew();
    }, delay);
  }

  /** Starts a user agent for these credentials in place of the current one; false when that failed or the phone stopped meanwhile. */
  private async replaceUa(credentials: SipCredentials): Promise<boolean> {
    const run = this.run;
    this.ua?.stop();
    this.ua = null;
    let ua: UaLike;
    try {
      ua = await this.options.createUa({
        websocketUrl: credentials.websocketUrl,
        uri: credentials.uri,
        authorizationUser: credentials.username,
        password: credentials.password,
        registerExpires: REGISTER_EXPIRES_SECONDS,
      });
    } catch (error) {
      if (run !== this.run) return false;
      // Its code could not be loaded (offline): reconnect() tries again.
      this.options.onProblem?.('the SIP user agent could not be started', error);
      this.credentials = null;
      this.update({ registration: 'failed', problem: { kind: 'registration', detail: error instanceof Error ? error.message : String(error) } });
      return false;
    }
    if (run !== this.run) return false;
    this.ua = ua;
    ua.onEvent((event) => {
      if (this.ua === ua) this.onUaEvent(event);
    });
    this.update({ registration: 'registering' });
    ua.start();
    return true;
  }

  private onUaEvent(event: UaEvent): void {
    switch (event.type) {
      case 'connecting':
        this.update({ connection: 'connecting' });
        return;
      case 'connected':
        this.update({ connection: 'connected', registration: 'registering' });
        return;
      case 'disconnected':
        this.update({ connection: 'disconnected', registration: 'unregistered' });
        return;
      case 'registered':
        this.renewedAfterRejection = false;
        this.update({ registration: 'registered', problem: null });
        return;
      case 'unregistered':
        this.update({ registration: 'unregistered' });
        return;
      case 'registrationFailed':
        this.onRegistrationFailed(event.cause, event.statusCode);
        return;
      case 'incoming':
        this.onIncoming(event.session, event.request);
        return;
    }
  }

  private onRegistrationFailed(cause: string, statusCode: number | null): void {
    const rejected = statusCode === 401 || statusCode === 403 || statusCode === 407;
    if (rejected && !this.renewedAfterRejection) {
      // The password may have expired while the network was gone: try once with fresh credentials.
      this.renewedAfterRejection = true;
      if (!this.renewing) {
        this.clearRenewal();
        void this.renew();
      }
      return;
    }
    this.update({ registration: 'failed', problem: { kind: 'registration', detail: statusCode === null ? cause : `${statusCode} ${cause}` } });
  }

  // ——— calls ———

  private onIncoming(session: SessionLike, request: IncomingInvite): void {
    if (this.inCall()) {
      session.terminate({ statusCode: 486, reasonPhrase: 'Busy Here' });
      return;
    }
    this.callSeq += 1;
    const id = `call-${this.callSeq}`;
    this.session = session;
    const mine = (): PhoneCall | null => (this.session === session && this.state.call?.id === id ? this.state.call : null);
    session.onEvent((event) => {
      const call = mine();
      if (!call) return;
      switch (event.type) {
        case 'peerconnection':
          event.connection.addEventListener('track', (track: RTCTrackEvent) => {
            if (track.track.kind === 'audio') this.options.audio.play(track.track, track.streams[0] ?? null);
          });
          return;
        case 'confirmed':
          this.setCall({ ...call, state: 'connected', answeredAt: this.now() });
          return;
        case 'hold':
          this.setCall({ ...call, held: true });
          return;
        case 'unhold':
          this.setCall({ ...call, held: false });
          return;
        case 'ended':
          this.options.audio.stop();
          this.setCall({ ...call, state: 'ended', endCause: event.cause });
          this.afterCall();
          return;
      }
    });
    this.setCall({ id, callId: callIdOf(request), from: request.fromUser, state: 'ringing', ringingSince: this.now(), answeredAt: null, held: false, muted: false, endCause: null });
  }

  private inCall(): boolean {
    return this.state.call !== null && this.state.call.state !== 'ended';
  }

  private afterCall(): void {
    const deferred = this.deferred;
    if (!deferred || !this.running) return;
    this.deferred = null;
    this.credentials = deferred;
    void this.replaceUa(deferred);
  }

  private current(state: 'ringing' | 'connected'): { session: SessionLike; call: PhoneCall } {
    const call = this.state.call;
    if (!this.session || !call || call.state !== state) throw new PhoneError('no-call', `there is no ${state === 'ringing' ? 'ringing' : 'connected'} call`);
    return { session: this.session, call };
  }

  private transferUri(target: TransferTarget): string {
    const domain = this.credentials?.realm;
    if (!domain) throw new PhoneError('bad-target', 'the phone has no SIP domain yet');
    if (target.kind === 'agent') {
      if (!UUID_PATTERN.test(target.agentId)) throw new PhoneError('bad-target', `"${target.agentId}" is not an agent id`);
      return `sip:${target.agentId.toLowerCase()}@${domain}`;
    }
    const number = normalizeTransferNumber(target.number);
    if (!number) throw new PhoneError('bad-target', `"${target.number}" is not a number in international format (+ and country code)`);
    return `sip:${number}@${domain}`;
  }

  private inputConstraint(): MediaTrackConstraints | true {
    return this.inputDeviceId ? { deviceId: { exact: this.inputDeviceId } } : true;
  }

  private clearRenewal(): void {
    if (this.renewal !== null) this.timers.clearTimeout(this.renewal);
    this.renewal = null;
  }

  private setCall(call: PhoneCall): void {
    this.update({ call });
  }

  private update(change: Partial<PhoneSnapshot>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }
}
