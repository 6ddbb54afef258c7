import {
  DTMF_PATTERN,
  PhoneError,
  type AudioDevices,
  type CallQuality,
  type Phone,
  type PhoneCall,
  type PhoneSnapshot,
  type TransferTarget,
} from '../softphone/phone';

/**
 * Test-only: a phone the test rings, connects and hangs up, recording what the desktop asked of it
 * (`actions`). Refuses what the real one refuses (no call in the right state, bad tones).
 */
export class FakePhone implements Phone {
  readonly actions: string[] = [];
  starts = 0;
  stops = 0;
  reconnects = 0;
  /** What the next transfer does. */
  transferOutcome: 'accepted' | PhoneError = 'accepted';
  devicesAnswer: AudioDevices = {
    inputs: [
      { deviceId: 'mic-1', label: '' },
      { deviceId: 'mic-2', label: '' },
    ],
    outputs: [{ deviceId: 'speaker-1', label: '' }],
    canChooseOutput: true,
  };
  private state: PhoneSnapshot = { connection: 'disconnected', registration: 'unregistered', problem: null, call: null };
  private readonly listeners = new Set<() => void>();
  private seq = 0;

  constructor(private readonly clock: () => number = () => Date.now()) {}

  snapshot(): PhoneSnapshot {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.starts += 1;
    this.set({ connection: 'connected', registration: 'registered', problem: null });
  }

  stop(): void {
    this.stops += 1;
    this.set({ connection: 'disconnected', registration: 'unregistered' });
  }

  reconnect(): void {
    this.reconnects += 1;
  }

  // ——— what the network does ———

  /** An INVITE arrives (with `X-Parley-Call-Id: callId`, or none). */
  ring(callId: string | null, from = 'anonymous'): void {
    this.seq += 1;
    this.setCall({ id: `fake-${this.seq}`, callId, from, state: 'ringing', ringingSince: this.clock(), answeredAt: null, held: false, muted: false, endCause: null });
  }

  /** The answer is acknowledged: media flows. */
  confirm(): void {
    this.setCall({ ...this.call(['answering', 'ringing']), state: 'connected', answeredAt: this.clock() });
  }

  /** The call ends from the far side (or after our hang-up / rejection). */
  end(cause = 'Terminated'): void {
    this.setCall({ ...this.call(['ringing', 'answering', 'connected']), state: 'ended', endCause: cause });
  }

  set(change: Partial<PhoneSnapshot>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }

  // ——— what the desktop asks ———

  answer(): void {
    this.setCall({ ...this.call(['ringing']), state: 'answering' });
    this.actions.push('answer');
  }

  reject(): void {
    this.call(['ringing']);
    this.actions.push('reject');
    this.end('Busy');
  }

  hangup(): void {
    this.call(['ringing', 'answering', 'connected']);
    this.actions.push('hangup');
    this.end('Terminated');
  }

  hold(on: boolean): void {
    this.setCall({ ...this.call(['connected']), held: on });
    this.actions.push(`hold:${on}`);
  }

  mute(on: boolean): void {
    this.setCall({ ...this.call(['connected']), muted: on });
    this.actions.push(`mute:${on}`);
  }

  sendDtmf(tones: string): void {
    this.call(['connected']);
    if (!DTMF_PATTERN.test(tones)) throw new PhoneError('bad-tones', `"${tones}" is not keypad tones`);
    this.actions.push(`dtmf:${tones}`);
  }

  async transfer(target: TransferTarget): Promise<void> {
    this.call(['connected']);
    this.actions.push(`transfer:${target.kind}:${target.kind === 'agent' ? target.agentId : target.number}`);
    if (this.transferOutcome !== 'accepted') throw this.transferOutcome;
  }

  async quality(): Promise<CallQuality | null> {
    return this.state.call?.state === 'connected' ? { packetsSent: 250, packetsReceived: 248, packetsLost: 2, jitterMs: 4, roundTripMs: 31 } : null;
  }

  async devices(): Promise<AudioDevices> {
    return this.devicesAnswer;
  }

  async useInput(deviceId: string | null): Promise<void> {
    this.actions.push(`input:${deviceId ?? 'default'}`);
  }

  async useOutput(deviceId: string | null): Promise<void> {
    this.actions.push(`output:${deviceId ?? 'default'}`);
  }

  private call(states: readonly PhoneCall['state'][]): PhoneCall {
    const call = this.state.call;
    if (!call || !states.includes(call.state)) throw new PhoneError('no-call', `FakePhone: no call in state ${states.join('/')} (it is ${call?.state ?? 'absent'})`);
    return call;
  }

  private setCall(call: PhoneCall): void {
    this.set({ call });
  }
}
