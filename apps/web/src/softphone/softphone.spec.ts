import { type SipCredentials } from '@parley/contracts';
import { PhoneError } from './phone';
import { callIdOf, renewalDelayMs, Softphone, type AudioOutput, type MediaPort } from './softphone';
import { type SessionEvent, type SessionLike, type UaEvent, type UaLike, type UaSettings } from './sip-ua.port';
import { ManualTimers } from '../testing/manual-timers';

/** A user agent the test drives: it records what the phone did and emits what the network would. */
class FakeUa implements UaLike {
  readonly did: string[] = [];
  private listener: ((event: UaEvent) => void) | null = null;
  constructor(readonly settings: UaSettings) {}
  onEvent(listener: (event: UaEvent) => void): void {
    this.listener = listener;
  }
  start(): void {
    this.did.push('start');
  }
  stop(): void {
    this.did.push('stop');
  }
  register(): void {
    this.did.push('register');
  }
  setCredentials(user: string, password: string): void {
    this.did.push(`credentials ${user} ${password}`);
  }
  emit(event: UaEvent): void {
    this.listener?.(event);
  }
  /** An INVITE with these headers. */
  invite(headers: Record<string, string>, fromUser = '+14155550100'): FakeSession {
    const session = new FakeSession();
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    this.emit({ type: 'incoming', session, request: { header: (name) => lower[name.toLowerCase()] ?? null, fromUser } });
    return session;
  }
}

class FakeSession implements SessionLike {
  readonly did: string[] = [];
  answeredWith: unknown = null;
  referDone: ((outcome: { accepted: true } | { accepted: false; reason: string }) => void) | null = null;
  connection: RTCPeerConnection | null = null;
  private listener: ((event: SessionEvent) => void) | null = null;
  onEvent(listener: (event: SessionEvent) => void): void {
    this.listener = listener;
  }
  answer(options: unknown): void {
    this.did.push('answer');
    this.answeredWith = options;
  }
  terminate(options?: { statusCode: number; reasonPhrase: string }): void {
    this.did.push(options ? `terminate ${options.statusCode}` : 'terminate');
  }
  hold(): void {
    this.did.push('hold');
  }
  unhold(): void {
    this.did.push('unhold');
  }
  mute(): void {
    this.did.push('mute');
  }
  unmute(): void {
    this.did.push('unmute');
  }
  sendDtmf(tones: string): void {
    this.did.push(`dtmf ${tones}`);
  }
  refer(target: string, done: (outcome: { accepted: true } | { accepted: false; reason: string }) => void): void {
    this.did.push(`refer ${target}`);
    this.referDone = done;
  }
  emit(event: SessionEvent): void {
    this.listener?.(event);
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const NOW = Date.parse('2025-06-02T10:00:00.000Z');
const CALL_ID = '6F1C2B9E-1D2A-4C3B-9E8F-0A1B2C3D4E5F';
const AGENT = '0b7e2c4a-8d1f-4e6b-9a3c-5d2e1f0a9b8c';

function credentials(n: number, lifetimeSeconds = 3600, overrides: Partial<SipCredentials> = {}): SipCredentials {
  return {
    username: `${NOW / 1000 + lifetimeSeconds}:agent-${n}`,
    password: `secret-${n}`,
    realm: 'acme.sip.parley.test',
    expiresAt: NOW / 1000 + lifetimeSeconds,
    websocketUrl: 'wss://cc.example.com/sip',
    uri: 'sip:agent@acme.sip.parley.test',
    ...overrides,
  };
}

const noMedia: MediaPort = {
  getUserMedia: () => Promise.reject(new Error('the test gave no microphone')),
  enumerateDevices: async () => [
    { deviceId: 'default', kind: 'audioinput', label: 'Default' },
    { deviceId: 'usb-headset', kind: 'audioinput', label: 'USB headset' },
    { deviceId: '', kind: 'audioinput', label: '' },
    { deviceId: 'speakers', kind: 'audiooutput', label: 'Speakers' },
    { deviceId: 'camera', kind: 'videoinput', label: 'Camera' },
  ],
};

function setup(answers: (SipCredentials | Error)[], options: { failUaTimes?: number } = {}) {
  let uaFailures = options.failUaTimes ?? 0;
  const uas: FakeUa[] = [];
  const timers = new ManualTimers();
  const audio: AudioOutput & { sinks: string[]; stopped: number } = {
    sinks: [],
    stopped: 0,
    play: () => undefined,
    stop() {
      this.stopped += 1;
    },
    async setSinkId(id) {
      this.sinks.push(id);
    },
    canChooseOutput: true,
  };
  let asked = 0;
  const problems: string[] = [];
  const phone = new Softphone({
    credentials: async () => {
      const answer = answers[asked] ?? answers.at(-1);
      asked += 1;
      if (!answer || answer instanceof Error) throw answer ?? new Error('no answer');
      return answer;
    },
    createUa: async (settings) => {
      if (uaFailures > 0) {
        uaFailures -= 1;
        throw new Error('Failed to fetch dynamically imported module');
      }
      const ua = new FakeUa(settings);
      uas.push(ua);
      return ua;
    },
    media: noMedia,
    audio,
    timers,
    now: () => NOW,
    transferTimeoutMs: 15_000,
    onProblem: (problem) => problems.push(problem),
  });
  return { phone, uas, timers, audio, problems, asked: () => asked };
}

/** A phone registered with the first credentials, its user agent connected. */
async function registered(answers: (SipCredentials | Error)[] = [credentials(1), credentials(2)]) {
  const context = setup(answers);
  context.phone.start();
  await flush();
  const ua = context.uas[0]!;
  ua.emit({ type: 'connected' });
  ua.emit({ type: 'registered' });
  return { ...context, ua };
}

describe('renewalDelayMs', () => {
  it('renews after four fifths of the remaining life, at least 30 s before expiry, never sooner than 1 s', () => {
    expect(renewalDelayMs(NOW / 1000 + 3600, NOW)).toBe(2_880_000);
    expect(renewalDelayMs(NOW / 1000 + 60, NOW)).toBe(30_000);
    expect(renewalDelayMs(NOW / 1000 + 20, NOW)).toBe(1000);
    expect(renewalDelayMs(NOW / 1000 - 5, NOW)).toBe(1000);
  });
});

describe('Softphone registration', () => {
  it('registers with the credentials it was given, and reports connection and registration', async () => {
    const { phone, uas } = setup([credentials(1)]);
    const seen: string[] = [];
    phone.subscribe(() => seen.push(`${phone.snapshot().connection}/${phone.snapshot().registration}`));
    phone.start();
    phone.start();
    await flush();
    expect(uas).toHaveLength(1);
    expect(uas[0]!.settings).toEqual({
      websocketUrl: 'wss://cc.example.com/sip',
      uri: 'sip:agent@acme.sip.parley.test',
      authorizationUser: credentials(1).username,
      password: 'secret-1',
      registerExpires: 300,
    });
    expect(uas[0]!.did).toEqual(['start']);
    uas[0]!.emit({ type: 'connected' });
    uas[0]!.emit({ type: 'registered' });
    expect(phone.snapshot()).toMatchObject({ connection: 'connected', registration: 'registered', problem: null });
    uas[0]!.emit({ type: 'disconnected' });
    expect(phone.snapshot()).toMatchObject({ connection: 'disconnected', registration: 'unregistered' });
    expect(seen).toEqual(['connecting/unregistered', 'connecting/registering', 'connected/registering', 'connected/registered', 'disconnected/unregistered']);
  });

  it('renews the credentials before they expire and registers again with them, on the same user agent', async () => {
    const { uas, timers, asked } = await registered([credentials(1, 3600), credentials(2, 600)]);
    expect(timers.pending.map((t) => t.ms)).toEqual([2_880_000]);
    timers.fire();
    await flush();
    expect(asked()).toBe(2);
    expect(uas).toHaveLength(1);
    expect(uas[0]!.did).toEqual(['start', `credentials ${credentials(2, 600).username} secret-2`, 'register']);
    // The next renewal follows the new credentials' expiry.
    expect(timers.pending.map((t) => t.ms)).toEqual([480_000]);
  });

  it('retries a failed renewal a bounded number of times, then reports it and waits for reconnect()', async () => {
    const { phone, timers, problems, asked } = await registered([credentials(1), new Error('503'), new Error('503'), new Error('503'), new Error('503'), credentials(5)]);
    timers.fire();
    await flush();
    const delays: number[] = [];
    while (timers.pending.length > 0) {
      delays.push(timers.fire());
      await flush();
    }
    expect(delays).toEqual([2_000, 10_000, 30_000]);
    expect(asked()).toBe(5);
    expect(phone.snapshot().problem).toEqual({ kind: 'credentials' });
    expect(problems.at(-1)).toContain('could not be renewed');
    phone.reconnect();
    await flush();
    expect(asked()).toBe(6);
    expect(timers.pending).toHaveLength(1);
  });

  it('renews once when the registrar refuses the password (it may have expired offline), then reports the refusal', async () => {
    const { phone, ua, asked } = await registered([credentials(1), credentials(2), credentials(3)]);
    ua.emit({ type: 'registrationFailed', cause: 'Authentication Error', statusCode: 401 });
    await flush();
    expect(asked()).toBe(2);
    expect(ua.did.slice(-2)).toEqual([`credentials ${credentials(2).username} secret-2`, 'register']);
    ua.emit({ type: 'registrationFailed', cause: 'Authentication Error', statusCode: 401 });
    await flush();
    expect(asked()).toBe(2);
    expect(phone.snapshot()).toMatchObject({ registration: 'failed', problem: { kind: 'registration', detail: '401 Authentication Error' } });
  });

  it('moves to a new WebSocket address at renewal, but only after the call in progress', async () => {
    const moved = credentials(2, 3600, { websocketUrl: 'wss://edge-2.example.com/sip' });
    const { phone, uas, ua, timers } = await registered([credentials(1), moved]);
    const session = ua.invite({ 'X-Parley-Call-Id': CALL_ID });
    timers.fire();
    await flush();
    expect(uas).toHaveLength(1);
    expect(ua.did.slice(-2)).toEqual([`credentials ${moved.username} secret-2`, 'register']);
    session.emit({ type: 'ended', cause: 'Canceled' });
    await flush();
    expect(uas).toHaveLength(2);
    expect(ua.did.at(-1)).toBe('stop');
    expect(uas[1]!.settings.websocketUrl).toBe('wss://edge-2.example.com/sip');
    expect(phone.snapshot().registration).toBe('registering');
  });

  it('starts again after stop() with fresh credentials and a new user agent (the desktop remounted)', async () => {
    const { phone, uas, asked } = await registered([credentials(1), credentials(2)]);
    phone.stop();
    phone.start();
    await flush();
    expect(asked()).toBe(2);
    expect(uas).toHaveLength(2);
    expect(uas[1]!.settings.password).toBe('secret-2');
    expect(uas[1]!.did).toEqual(['start']);
  });

  it('reports a user agent that could not be loaded (offline), and loads it on reconnect()', async () => {
    const { phone, uas } = setup([credentials(1), credentials(2)], { failUaTimes: 1 });
    phone.start();
    await flush();
    expect(uas).toHaveLength(0);
    expect(phone.snapshot()).toMatchObject({ registration: 'failed', problem: { kind: 'registration', detail: 'Failed to fetch dynamically imported module' } });
    phone.reconnect();
    await flush();
    expect(uas).toHaveLength(1);
    expect(phone.snapshot().registration).toBe('registering');
  });

  it('stop() hangs up, stops the user agent and the renewals, and ignores what the user agent still says', async () => {
    const { phone, ua, timers, audio } = await registered();
    const session = ua.invite({ 'X-Parley-Call-Id': CALL_ID });
    phone.stop();
    expect(session.did).toEqual(['terminate']);
    expect(ua.did.at(-1)).toBe('stop');
    expect(timers.pending).toEqual([]);
    expect(audio.stopped).toBe(1);
    ua.emit({ type: 'registered' });
    expect(phone.snapshot()).toMatchObject({ connection: 'disconnected', registration: 'unregistered' });
  });
});

describe('Softphone calls', () => {
  it('takes the Parley call id from X-Parley-Call-Id, and null when it is absent or not a call id', () => {
    const request = (value: string | null) => ({ header: (name: string) => (name === 'X-Parley-Call-Id' ? value : null), fromUser: 'x' });
    expect(callIdOf(request(CALL_ID))).toBe(CALL_ID.toLowerCase());
    expect(callIdOf(request(` ${CALL_ID} `))).toBe(CALL_ID.toLowerCase());
    expect(callIdOf(request(null))).toBeNull();
    expect(callIdOf(request('call-42'))).toBeNull();
  });

  it('rings with the call id, answers with the chosen microphone, and times the call from the answer', async () => {
    const { phone, ua } = await registered();
    await phone.useInput('usb-headset');
    const session = ua.invite({ 'x-parley-call-id': CALL_ID }, '+14155550100');
    expect(phone.snapshot().call).toMatchObject({ callId: CALL_ID.toLowerCase(), from: '+14155550100', state: 'ringing', answeredAt: null });
    phone.answer();
    expect(session.answeredWith).toEqual({ mediaConstraints: { audio: { deviceId: { exact: 'usb-headset' } }, video: false }, pcConfig: { iceServers: [] } });
    expect(phone.snapshot().call?.state).toBe('answering');
    session.emit({ type: 'confirmed' });
    expect(phone.snapshot().call).toMatchObject({ state: 'connected', answeredAt: NOW });
  });

  it('declines a second call with 486 while one is in progress, and a rejected call with 486 too', async () => {
    const { phone, ua } = await registered();
    const first = ua.invite({ 'X-Parley-Call-Id': CALL_ID });
    const second = ua.invite({});
    expect(second.did).toEqual(['terminate 486']);
    expect(phone.snapshot().call?.callId).toBe(CALL_ID.toLowerCase());
    phone.reject();
    expect(first.did).toEqual(['terminate 486']);
    first.emit({ type: 'ended', cause: 'Rejected' });
    expect(phone.snapshot().call).toMatchObject({ state: 'ended', endCause: 'Rejected' });
    expect(() => phone.hangup()).toThrow(PhoneError);
  });

  it('holds, mutes, sends RFC 4733 tones and refuses what is not a tone', async () => {
    const { phone, ua } = await registered();
    const session = ua.invite({ 'X-Parley-Call-Id': CALL_ID });
    expect(() => phone.hold(true)).toThrow('there is no connected call');
    phone.answer();
    session.emit({ type: 'confirmed' });
    phone.hold(true);
    session.emit({ type: 'hold' });
    expect(phone.snapshot().call?.held).toBe(true);
    phone.hold(false);
    phone.mute(true);
    expect(phone.snapshot().call?.muted).toBe(true);
    phone.sendDtmf('57#');
    expect(() => phone.sendDtmf('5x')).toThrow('"5x" is not keypad tones');
    expect(session.did).toEqual(['answer', 'hold', 'unhold', 'mute', 'dtmf 57#']);
  });

  it('transfers with REFER to an agent or an E.164 number in the tenant domain, and says why a transfer failed', async () => {
    const { phone, ua } = await registered();
    const session = ua.invite({ 'X-Parley-Call-Id': CALL_ID });
    phone.answer();
    session.emit({ type: 'confirmed' });
    const toAgent = phone.transfer({ kind: 'agent', agentId: AGENT });
    session.referDone?.({ accepted: true });
    await expect(toAgent).resolves.toBeUndefined();
    const toNumber = phone.transfer({ kind: 'number', number: '+1 (415) 555-2671' });
    session.referDone?.({ accepted: false, reason: '486 Busy Here' });
    await expect(toNumber).rejects.toMatchObject({ code: 'transfer-failed', message: 'the transfer to sip:+14155552671@acme.sip.parley.test failed: 486 Busy Here' });
    expect(session.did.filter((d) => d.startsWith('refer'))).toEqual([`refer sip:${AGENT}@acme.sip.parley.test`, 'refer sip:+14155552671@acme.sip.parley.test']);
    expect(() => phone.transfer({ kind: 'number', number: '555-2671' })).toThrow('is not a number in international format');
    expect(() => phone.transfer({ kind: 'agent', agentId: 'bob' })).toThrow('"bob" is not an agent id');
  });

  it('gives up on a transfer nobody answers', async () => {
    const { phone, ua, timers } = await registered();
    const session = ua.invite({ 'X-Parley-Call-Id': CALL_ID });
    phone.answer();
    session.emit({ type: 'confirmed' });
    const transfer = phone.transfer({ kind: 'agent', agentId: AGENT });
    const pending = timers.pending.find((t) => t.ms === 15_000);
    expect(pending).toBeDefined();
    timers.pending = timers.pending.filter((t) => t !== pending);
    pending?.callback();
    await expect(transfer).rejects.toMatchObject({ code: 'transfer-timeout' });
  });

  it('lists the audio devices by kind and routes the call audio to the chosen output', async () => {
    const { phone, audio } = await registered();
    await expect(phone.devices()).resolves.toEqual({
      inputs: [
        { deviceId: 'default', label: 'Default' },
        { deviceId: 'usb-headset', label: 'USB headset' },
      ],
      outputs: [{ deviceId: 'speakers', label: 'Speakers' }],
      canChooseOutput: true,
    });
    await phone.useOutput('speakers');
    await phone.useOutput(null);
    expect(audio.sinks).toEqual(['speakers', '']);
  });
});
