// WebRTC legs as first-class legs of an engine call, on real sockets and the real media clock: a
// plain RTP "phone" (an RtpSession on 127.0.0.1) is the carrier's caller, a werift WebRtcLeg is the
// agent's "browser" (ICE, DTLS-SRTP). Each side plays its own tone; the tests decode what each
// side hears (with the kit's own G.711 decoders) and look for the other side's frequency.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeWav,
  type G711Codec,
  type MediaEngineApi,
  MediaEngine,
  MediaEngineError,
  type MediaEngineEvent,
  MediaWorkerPool,
  payloadTypeOf,
  PortPool,
  RtpSession,
  toneAmplitude,
  type WebRtcLegSpec,
} from '../src';
import { WebRtcLeg } from '../src/webrtc';
import { audible, framesOf, toneLevels, toneReport } from './tone-check-kit';
import { delay, g711ToLinear, g711ToneFrames, waitFor } from './webrtc-test-kit';

// Below the ephemeral range (32768+), so no unrelated socket holds them.
const BASE = 31200 + (process.pid % 4) * 50;
const ENGINE_PORTS = { portMin: BASE, portMax: BASE + 29 };
const PHONE_PORTS = { min: BASE + 30, max: BASE + 49 };
const POOL_BASE = 31400 + (process.pid % 4) * 50;
const CALLER_HZ = 440;
const BROWSER_HZ = 1000;
const SUPERVISOR_HZ = 620;
const CANDIDATES = [CALLER_HZ, SUPERVISOR_HZ, BROWSER_HZ, 1400];

/** The carrier's side: an RTP session that keeps every audio frame it receives. */
interface Phone {
  readonly session: RtpSession;
  readonly codec: G711Codec;
  readonly heard: Buffer[];
}

async function openPhone(pool: PortPool, codec: G711Codec): Promise<Phone> {
  const pt = payloadTypeOf(codec);
  const session = await RtpSession.open({ pool, bindAddress: '127.0.0.1', payloadType: pt, latching: 'off' });
  const heard: Buffer[] = [];
  session.setPacketHandler((packet) => {
    if (packet.payloadType === pt) heard.push(Buffer.from(packet.payload));
  });
  return { session, codec, heard };
}

/** The agent's side: a werift leg that keeps what it receives, decoded by the payload type on the wire. */
interface Browser {
  readonly leg: WebRtcLeg;
  readonly heard: Int16Array[];
  readonly digits: string[];
}

function openBrowser(codecs: G711Codec[]): Browser {
  const leg = new WebRtcLeg({ codecs });
  const heard: Int16Array[] = [];
  const digits: string[] = [];
  leg.onAudio((payload, payloadType) => heard.push(g711ToLinear(payload, payloadType === 8 ? 'pcma' : 'pcmu')));
  leg.onDtmf((digit) => digits.push(digit));
  return { leg, heard, digits };
}

/**
 * Most 80 ms windows of what a side heard hold a clean `hz` tone at the level it was sent (see
 * tone-check-kit.ts), and there are at least `minFrames` frames of sound.
 */
function expectTone(frames: readonly Int16Array[], hz: number, minFrames = 20): void {
  expect(frames.length).toBeGreaterThanOrEqual(minFrames);
  const report = toneReport(frames, hz, CANDIDATES);
  expect(report.clean).toBeGreaterThanOrEqual(Math.ceil(report.windows * 0.8));
}

function levels(frames: readonly Int16Array[]): Record<number, number> {
  return toneLevels(frames, [CALLER_HZ, SUPERVISOR_HZ, BROWSER_HZ]);
}

function decoded(phone: Phone, from = 0): Int16Array[] {
  return phone.heard.slice(from).map((payload) => g711ToLinear(payload, phone.codec));
}

/**
 * Both sides talk every 20 ms (drift-corrected) until stopped: the phone its tone, the browser
 * its own (sendAudio returns false by itself while the browser's direction does not send).
 */
class Talk {
  phoneTalks = true;
  browserTalks = true;
  private running = true;
  private readonly done: Promise<void>;

  constructor(phone: Phone, browser: Browser, browserHz = BROWSER_HZ) {
    const callerFrames = g711ToneFrames(phone.codec, CALLER_HZ, 50);
    // In the codec the browser's leg currently sends (a re-offer may change it).
    const browserFrames = { pcmu: g711ToneFrames('pcmu', browserHz, 50), pcma: g711ToneFrames('pcma', browserHz, 50) };
    this.done = (async () => {
      const start = performance.now();
      for (let i = 0; this.running; i++) {
        const due = start + i * 20 - performance.now();
        if (due > 0) await delay(due);
        if (this.phoneTalks) phone.session.sendFrame(callerFrames[i % 50]!);
        else phone.session.advanceTimestamp(160);
        if (this.browserTalks) browser.leg.sendAudio(browserFrames[browser.leg.negotiated?.codec ?? 'pcmu'][i % 50]!);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

interface Bridged {
  readonly callId: string;
  readonly phone: Phone;
  readonly browser: Browser;
  readonly browserCodec: G711Codec;
}

async function untilEvent(events: MediaEngineEvent[], match: (event: MediaEngineEvent) => boolean, ms: number, what: string): Promise<MediaEngineEvent> {
  await waitFor(() => events.some(match), ms, what);
  return events.find(match)!;
}

/**
 * A call with the caller's RTP leg 'caller' and the browser's WebRTC leg 'agent', connected (not
 * yet bridged). `offerer` says who offers the WebRTC leg: the engine (createWebRtcLeg, then
 * completeWebRtcLeg with the browser's answer) or the browser (answerWebRtcOffer).
 */
async function setUpCall(
  engine: MediaEngineApi,
  events: MediaEngineEvent[],
  phonePool: PortPool,
  callId: string,
  options: { callerCodec: G711Codec; engineCodecs: G711Codec[]; browserCodecs: G711Codec[]; offerer: 'engine' | 'browser' },
): Promise<Bridged> {
  await engine.createCall(callId);
  const phone = await openPhone(phonePool, options.callerCodec);
  const caller = await engine.createLeg(callId, 'caller', { codec: options.callerCodec, telephoneEventPt: 101, remote: { address: '127.0.0.1', port: phone.session.localPort } });
  phone.session.setRemote({ address: caller.address, port: caller.port });
  const browser = openBrowser(options.browserCodecs);
  const spec: WebRtcLegSpec = { codecs: options.engineCodecs, connectTimeoutMs: 5000 };
  let codec: G711Codec;
  if (options.offerer === 'engine') {
    const offer = await engine.createWebRtcLeg(callId, 'agent', spec);
    expect(offer).toMatchObject({ callId, legId: 'agent' });
    expect(offer.sdp).toMatch(/^a=rtpmap:101 telephone-event\/8000\r?$/m);
    const completion = await engine.completeWebRtcLeg(callId, 'agent', await browser.leg.answerOffer(offer.sdp));
    expect(completion.direction).toBe('sendrecv');
    codec = completion.codec;
  } else {
    const answer = await engine.answerWebRtcOffer(callId, 'agent', await browser.leg.createOffer(), spec);
    expect(answer.direction).toBe('sendrecv');
    await browser.leg.acceptAnswer(answer.sdp);
    codec = answer.codec;
  }
  expect(browser.leg.negotiated?.codec).toBe(codec);
  await untilEvent(events, (e) => e.type === 'webrtc-state' && e.callId === callId && e.legId === 'agent' && e.state === 'connected', 5000, 'the engine reporting the agent leg connected');
  await waitFor(() => browser.leg.state === 'connected', 5000, 'the browser connected');
  return { callId, phone, browser, browserCodec: codec };
}

async function closeSides(bridged: Bridged | undefined): Promise<void> {
  if (!bridged) return;
  await bridged.browser.leg.close();
  await bridged.phone.session.close();
}

describe('MediaEngine with WebRTC legs (werift browser ↔ RTP phone)', () => {
  let engine: MediaEngine;
  let phonePool: PortPool;
  let dir: string;
  const events: MediaEngineEvent[] = [];
  let current: Bridged | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-webrtc-'));
    engine = new MediaEngine({ bindAddress: '127.0.0.1', ...ENGINE_PORTS, jitter: { depthMs: 40, mode: 'fixed' }, inactivityTimeoutMs: 500 });
    engine.on('event', (e) => events.push(e));
    phonePool = new PortPool(PHONE_PORTS);
  });
  afterEach(async () => {
    await closeSides(current);
    current = undefined;
  });
  afterAll(async () => {
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { name: 'PCMU caller, PCMU browser, engine offers', callerCodec: 'pcmu', engineCodecs: ['pcmu', 'pcma'], browserCodecs: ['pcmu'], offerer: 'engine', wire: 'pcmu' },
    { name: 'PCMU caller, PCMA browser (transcoded), engine offers', callerCodec: 'pcmu', engineCodecs: ['pcmu', 'pcma'], browserCodecs: ['pcma'], offerer: 'engine', wire: 'pcma' },
    { name: 'PCMA caller, PCMU browser (transcoded), browser offers', callerCodec: 'pcma', engineCodecs: ['pcmu'], browserCodecs: ['pcmu', 'pcma'], offerer: 'browser', wire: 'pcmu' },
  ] as const)('$name: each side hears the other, and the stereo recording has caller left, browser right', async (c) => {
    const callId = `bridge-${c.callerCodec}-${c.wire}-${c.offerer}`;
    const portsBefore = (await engine.stats()).portsAvailable;
    current = await setUpCall(engine, events, phonePool, callId, { callerCodec: c.callerCodec, engineCodecs: [...c.engineCodecs], browserCodecs: [...c.browserCodecs], offerer: c.offerer });
    expect(current.browserCodec).toBe(c.wire);
    const stats = await engine.stats();
    expect(stats).toMatchObject({ calls: 1, legs: 2, webrtc: { legs: 1, awaitingAnswer: 0, connected: 1, failed: 0 } });
    expect(stats.portsAvailable).toBe(portsBefore - 2); // the RTP leg's port and the WebRTC leg's, from the same pool

    await engine.bridge(callId);
    const path = join(dir, `${callId}.wav`);
    await engine.startRecording(callId, { path, left: 'caller', right: 'agent' });
    const talk = new Talk(current.phone, current.browser);
    await delay(1500);
    await talk.stop();
    await delay(100);
    const after = await engine.stats();
    const { recording } = await engine.hangup(callId);

    const atPhone = audible(decoded(current.phone));
    const atBrowser = audible(current.browser.heard);
    expectTone(atPhone, BROWSER_HZ, 50); // ≥ 1 s of the browser's tone reached the caller
    expectTone(atBrowser, CALLER_HZ, 50);
    expect(current.browser.leg.stats()).toMatchObject({ receivePath: 'lean', sendPath: 'lean', srtpDropped: 0 });
    expect(after.rtp.received).toBeGreaterThan(2 * 60); // both legs counted, the WebRTC one included
    expect(after.rtp.sent).toBeGreaterThan(2 * 60);

    const wav = decodeWav(await readFile(recording!.path));
    expect(wav).toMatchObject({ channels: 2, sampleRate: 8000, truncated: false });
    expect(recording!.durationMs).toBeGreaterThanOrEqual(1400);
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    const right = wav.samples.filter((_, i) => i % 2 === 1);
    expectTone(audible(framesOf(left)), CALLER_HZ, 60);
    expectTone(audible(framesOf(right)), BROWSER_HZ, 60);

    // Hangup closed the WebRTC leg: 'closed' reported, its port back in the pool.
    await untilEvent(events, (e) => e.type === 'webrtc-state' && e.callId === callId && e.state === 'closed', 2000, 'closed');
    expect((await engine.stats()).portsAvailable).toBe(portsBefore);
  });

  it('reports RFC 4733 digits from the browser as engine digit events, and sends digits to the browser', async () => {
    const callId = 'dtmf';
    current = await setUpCall(engine, events, phonePool, callId, { callerCodec: 'pcmu', engineCodecs: ['pcmu'], browserCodecs: ['pcmu'], offerer: 'engine' });
    await engine.bridge(callId);
    const talk = new Talk(current.phone, current.browser);
    try {
      await current.browser.leg.sendDtmf('5');
      await current.browser.leg.sendDtmf('#', 160);
      const digits = (): MediaEngineEvent[] => events.filter((e) => e.type === 'digit' && e.callId === callId);
      await waitFor(() => digits().length >= 2, 2000, 'two digits from the browser');
      expect(digits()).toEqual([
        { type: 'digit', callId, legId: 'agent', digit: '5', durationMs: 100 },
        { type: 'digit', callId, legId: 'agent', digit: '#', durationMs: 160 },
      ]);

      await engine.sendDigits(callId, 'agent', '19*');
      await waitFor(() => current!.browser.digits.length >= 3, 3000, 'three digits at the browser');
      expect(current.browser.digits).toEqual(['1', '9', '*']);
    } finally {
      await talk.stop();
      await engine.hangup(callId);
    }
  });

  it('answers the browser re-offering hold (sendonly, inactive) and resume; no inactivity while held, silence recorded', async () => {
    const callId = 'hold';
    current = await setUpCall(engine, events, phonePool, callId, { callerCodec: 'pcmu', engineCodecs: ['pcmu'], browserCodecs: ['pcmu'], offerer: 'engine' });
    const { browser, phone } = current;
    await engine.bridge(callId);
    const recordingStart = performance.now();
    await engine.startRecording(callId, { path: join(dir, 'hold.wav'), left: 'caller', right: 'agent' });
    const talk = new Talk(phone, browser);
    const inactiveWindow = { from: 0, to: 0 };
    const reoffer = async (direction: 'sendonly' | 'inactive' | 'sendrecv'): Promise<string> => {
      browser.leg.setDirection(direction);
      const reanswer = await engine.renegotiateWebRtcLeg(callId, 'agent', await browser.leg.createOffer());
      await browser.leg.acceptAnswer(reanswer.sdp);
      return reanswer.direction;
    };
    const inactiveAgent = (): MediaEngineEvent[] => events.filter((e) => e.type === 'inactive' && e.callId === callId && e.legId === 'agent');
    try {
      await delay(500);
      expectTone(audible(browser.heard), CALLER_HZ);

      // Hold, the browser still sending: we answer recvonly, stop sending to it, keep bridging its audio.
      expect(await reoffer('sendonly')).toBe('recvonly');
      await delay(100);
      const heldAt = { browser: browser.heard.length, phone: phone.heard.length };
      await delay(600);
      expect(browser.heard.length).toBe(heldAt.browser);
      const phoneWhileHeld = audible(decoded(phone, heldAt.phone));
      expectTone(phoneWhileHeld, BROWSER_HZ, 20);

      // Inactive: nothing either way for longer than the inactivity timeout (500 ms), and no 'inactive' event.
      expect(await reoffer('inactive')).toBe('inactive');
      inactiveWindow.from = performance.now() - recordingStart;
      await delay(100);
      const inactiveAt = { browser: browser.heard.length, phone: phone.heard.length };
      await delay(1000);
      expect(browser.heard.length).toBe(inactiveAt.browser);
      const phoneWhileInactive = decoded(phone, inactiveAt.phone);
      expect(phoneWhileInactive.length).toBeGreaterThanOrEqual(40); // the bridge keeps sending to the caller…
      expect(audible(phoneWhileInactive).length).toBe(0); // …silence
      expect(inactiveAgent()).toEqual([]);
      expect(events.filter((e) => e.type === 'webrtc-state' && e.callId === callId && e.state === 'failed')).toEqual([]);

      // Resume: audio flows both ways again.
      inactiveWindow.to = performance.now() - recordingStart;
      expect(await reoffer('sendrecv')).toBe('sendrecv');
      const resumedAt = { browser: browser.heard.length, phone: phone.heard.length };
      await delay(700);
      const browserAfter = audible(browser.heard.slice(resumedAt.browser));
      const phoneAfter = audible(decoded(phone, resumedAt.phone));
      expectTone(browserAfter, CALLER_HZ, 20);
      expectTone(phoneAfter, BROWSER_HZ, 20);
      expect(inactiveAgent()).toEqual([]);

      // Not held and silent: now it is inactive (so the silence above really was excused by the hold).
      talk.browserTalks = false;
      await untilEvent(events, (e) => e.type === 'inactive' && e.callId === callId && e.legId === 'agent', 2000, 'agent inactive');
    } finally {
      await talk.stop();
    }
    const { recording } = await engine.hangup(callId);
    // The recording ran through the hold: ~0.5 + 0.7 + 1.1 + 0.7 s and more.
    expect(recording!.durationMs).toBeGreaterThanOrEqual(2800);
    const right = decodeWav(await readFile(recording!.path)).samples.filter((_, i) => i % 2 === 1);
    // While 'inactive' the browser's channel is silent (a margin of 150 ms on each side of the window).
    const from = Math.round(((inactiveWindow.from + 150) * 8000) / 1000);
    const to = Math.round(((inactiveWindow.to - 150) * 8000) / 1000);
    expect(to - from).toBeGreaterThan(4000);
    expect(toneAmplitude(right.subarray(from, to), BROWSER_HZ)).toBeLessThan(100);
    // Before the hold it carried the browser's tone.
    expectTone(framesOf(right.subarray(Math.round(0.2 * 8000), Math.round(0.5 * 8000))), BROWSER_HZ, 12);
  });

  it('keeps audio both ways when a re-offer switches the browser from PCMU to PCMA (transcoded in the transport)', async () => {
    const callId = 'codec-switch';
    current = await setUpCall(engine, events, phonePool, callId, { callerCodec: 'pcmu', engineCodecs: ['pcmu', 'pcma'], browserCodecs: ['pcmu', 'pcma'], offerer: 'engine' });
    const { browser, phone } = current;
    expect(current.browserCodec).toBe('pcmu');
    await engine.bridge(callId);
    const talk = new Talk(phone, browser);
    try {
      await delay(300);
      // The browser re-offers PCMA only (its own description keeps both, so it accepts what we answer).
      const reoffer = (await browser.leg.createOffer())
        .replace(/^(m=audio \d+ \S+) 0 8 /m, '$1 8 ')
        .replace(/^a=rtpmap:0 PCMU\/8000\r?\n/m, '');
      expect(reoffer).not.toMatch(/PCMU/);
      const reanswer = await engine.renegotiateWebRtcLeg(callId, 'agent', reoffer);
      expect(reanswer.direction).toBe('sendrecv');
      await browser.leg.acceptAnswer(reanswer.sdp);
      expect(browser.leg.negotiated).toMatchObject({ codec: 'pcma', payloadType: 8 });
      const at = { browser: browser.heard.length, phone: phone.heard.length };
      await delay(800);
      const browserHeard = audible(browser.heard.slice(at.browser));
      const phoneHeard = audible(decoded(phone, at.phone));
      expectTone(browserHeard, CALLER_HZ, 25);
      expectTone(phoneHeard, BROWSER_HZ, 25);
    } finally {
      await talk.stop();
      await engine.hangup(callId);
    }
  });

  it('reports webrtc-state failed when the browser never answers within connectTimeoutMs, and closed on removeLeg', async () => {
    const callId = 'no-answer';
    await engine.createCall(callId);
    const portsBefore = (await engine.stats()).portsAvailable;
    const started = performance.now();
    await engine.createWebRtcLeg(callId, 'agent', { codecs: ['pcmu'], connectTimeoutMs: 400 });
    expect(await engine.stats()).toMatchObject({ legs: 1, portsAvailable: portsBefore - 1, webrtc: { legs: 1, awaitingAnswer: 1, connected: 0 } });
    await expect(engine.play(callId, 'agent', { kind: 'tone', pattern: 'ringbackUs' })).rejects.toThrow(/waits for the browser's answer/);
    await untilEvent(events, (e) => e.type === 'webrtc-state' && e.callId === callId && e.state === 'failed', 3000, 'failed');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(400 + 1000);
    expect((await engine.stats()).webrtc).toMatchObject({ legs: 1, awaitingAnswer: 1, failed: 1 });
    await engine.removeLeg(callId, 'agent');
    await untilEvent(events, (e) => e.type === 'webrtc-state' && e.callId === callId && e.state === 'closed', 2000, 'closed');
    expect(await engine.stats()).toMatchObject({ legs: 0, portsAvailable: portsBefore, webrtc: { legs: 0 } });
    await engine.hangup(callId);
  });

  it('reports failed when the answer comes but the browser never connects; hangup closes it', async () => {
    const callId = 'no-connect';
    await engine.createCall(callId);
    const portsBefore = (await engine.stats()).portsAvailable;
    const offer = await engine.createWebRtcLeg(callId, 'agent', { codecs: ['pcma', 'pcmu'], connectTimeoutMs: 600 });
    const gone = new WebRtcLeg({ codecs: ['pcma'] });
    const answer = await gone.answerOffer(offer.sdp);
    await gone.close(); // the browser vanished right after answering
    expect(await engine.completeWebRtcLeg(callId, 'agent', answer)).toEqual({ codec: 'pcma', direction: 'sendrecv' });
    await untilEvent(events, (e) => e.type === 'webrtc-state' && e.callId === callId && e.state === 'failed', 3000, 'failed');
    await expect(engine.sendDigits(callId, 'agent', '1')).rejects.toThrow(/is failed, not connected/);
    await engine.hangup(callId);
    await untilEvent(events, (e) => e.type === 'webrtc-state' && e.callId === callId && e.state === 'closed', 2000, 'closed');
    expect((await engine.stats()).portsAvailable).toBe(portsBefore);
  });

  it('refuses bad input with errors that name it, and keeps the leg usable after a refused answer', async () => {
    const callId = 'bad-input';
    await engine.createCall(callId);
    try {
      await expect(engine.createWebRtcLeg(callId, 'a', { codecs: [] })).rejects.toThrow(/spec.codecs must list 'pcmu' and\/or 'pcma'/);
      await expect(engine.createWebRtcLeg(callId, 'a', { codecs: ['opus' as G711Codec] })).rejects.toThrow(/spec.codecs has "opus"/);
      await expect(engine.createWebRtcLeg(callId, 'a', { codecs: ['pcmu', 'pcmu'] })).rejects.toThrow(/names a codec twice/);
      await expect(engine.createWebRtcLeg(callId, 'a', { codecs: ['pcmu'], connectTimeoutMs: 5 })).rejects.toThrow(/connectTimeoutMs must be an integer from 100/);
      await expect(engine.createWebRtcLeg('nope', 'a', { codecs: ['pcmu'] })).rejects.toThrow(/no media for call "nope"/);
      expect((await engine.stats()).webrtc.legs).toBe(0); // nothing half-made

      const offer = await engine.createWebRtcLeg(callId, 'agent', { codecs: ['pcmu'], connectTimeoutMs: 5000 });
      await expect(engine.createWebRtcLeg(callId, 'agent', { codecs: ['pcmu'] })).rejects.toThrow(/already has a leg "agent"/);
      await expect(engine.createLeg(callId, 'agent', { codec: 'pcmu' })).rejects.toThrow(/already has a leg "agent"/);
      await expect(engine.renegotiateWebRtcLeg(callId, 'agent', offer.sdp)).rejects.toThrow(/has not completed its first offer\/answer/);
      await expect(engine.startRecording(callId, { path: join(dir, 'x.wav'), left: 'agent', right: 'agent' })).rejects.toThrow(/waits for the browser's answer/);

      const malformed = engine.completeWebRtcLeg(callId, 'agent', 'hello');
      await expect(malformed).rejects.toBeInstanceOf(MediaEngineError);
      await expect(malformed).rejects.toMatchObject({ sdpReason: 'malformed', message: expect.stringMatching(/WebRTC leg "agent" of call "bad-input": the answer was refused/) });
      await expect(engine.completeWebRtcLeg(callId, 'agent', '')).rejects.toMatchObject({ sdpReason: 'malformed' });

      const browser = openBrowser(['pcmu']);
      try {
        const answer = await browser.leg.answerOffer(offer.sdp);
        await expect(engine.completeWebRtcLeg(callId, 'agent', answer)).resolves.toEqual({ codec: 'pcmu', direction: 'sendrecv' });
        await expect(engine.completeWebRtcLeg(callId, 'agent', answer)).rejects.toThrow(/already completed its offer\/answer/);
        await expect(engine.updateLeg(callId, 'agent', { address: '127.0.0.1', port: 4000 })).rejects.toThrow(/is a WebRTC leg: ICE finds its remote/);
        await expect(engine.updateLeg(callId, 'agent', null, { inactivityTimeoutMs: 0 })).resolves.toBeUndefined();
        await expect(engine.renegotiateWebRtcLeg(callId, 'agent', 'v=0\r\n')).rejects.toMatchObject({ sdpReason: 'no-audio' });

        const rtp = await engine.createLeg(callId, 'caller', { codec: 'pcmu' });
        expect(rtp.port % 2).toBe(0);
        await expect(engine.completeWebRtcLeg(callId, 'caller', answer)).rejects.toThrow(/"caller" of call "bad-input" is an RTP leg, not a WebRTC leg/);
        await expect(engine.answerWebRtcOffer(callId, 'b', 'garbage', { codecs: ['pcmu'] })).rejects.toMatchObject({ sdpReason: 'malformed' });
        const opusOnly = browser.leg.localDescription!.replace(/^m=audio (\d+) (\S+) .*$/m, 'm=audio $1 $2 111').replace(/^a=rtpmap:(0|8|101) .*\r?\n/gm, '') + 'a=rtpmap:111 opus/48000/2\r\n';
        await expect(engine.answerWebRtcOffer(callId, 'b', opusOnly, { codecs: ['pcmu'] })).rejects.toMatchObject({ sdpReason: 'no-common-codec' });
        expect((await engine.stats()).webrtc.legs).toBe(1); // the refused offers left no leg behind
      } finally {
        await browser.leg.close();
      }
    } finally {
      await engine.hangup(callId);
    }
  });

  it('lets a supervisor (third leg, RTP) listen to both sides, then whisper to the browser agent only', async () => {
    const callId = 'supervised';
    current = await setUpCall(engine, events, phonePool, callId, { callerCodec: 'pcmu', engineCodecs: ['pcma'], browserCodecs: ['pcma'], offerer: 'engine' });
    const { phone, browser } = current;
    const supervisor = await openPhone(phonePool, 'pcmu');
    const sup = await engine.createLeg(callId, 'supervisor', { codec: 'pcmu', remote: { address: '127.0.0.1', port: supervisor.session.localPort } });
    supervisor.session.setRemote({ address: sup.address, port: sup.port });
    await engine.setMode(callId, 'supervisor', 'listen');
    await engine.bridge(callId);
    const talk = new Talk(phone, browser);
    const supervisorFrames = g711ToneFrames('pcmu', SUPERVISOR_HZ, 50);
    let supervisorTalking = true;
    const supervisorTalk = (async () => {
      const start = performance.now();
      for (let i = 0; supervisorTalking; i++) {
        const due = start + i * 20 - performance.now();
        if (due > 0) await delay(due);
        supervisor.session.sendFrame(supervisorFrames[i % 50]!);
      }
    })();
    /** Amplitudes of each tone in what a side heard since `from`. */
    try {
      await delay(300);
      let at = { phone: phone.heard.length, browser: browser.heard.length, sup: supervisor.heard.length };
      await delay(800);
      // Listen: the supervisor hears caller and agent; neither hears the supervisor.
      const supListen = levels(audible(decoded(supervisor, at.sup)));
      expect(supListen[CALLER_HZ]).toBeGreaterThan(2000);
      expect(supListen[BROWSER_HZ]).toBeGreaterThan(2000);
      expect(supListen[SUPERVISOR_HZ]).toBeLessThan(300);
      const browserListen = levels(audible(browser.heard.slice(at.browser)));
      expect(browserListen[CALLER_HZ]).toBeGreaterThan(2000);
      expect(browserListen[SUPERVISOR_HZ]).toBeLessThan(300);
      const phoneListen = levels(audible(decoded(phone, at.phone)));
      expect(phoneListen[BROWSER_HZ]).toBeGreaterThan(2000);
      expect(phoneListen[SUPERVISOR_HZ]).toBeLessThan(300);

      // Whisper to the agent: the browser hears caller + supervisor; the caller still not the supervisor.
      await engine.setMode(callId, 'supervisor', 'whisper', 'agent');
      await delay(200);
      at = { phone: phone.heard.length, browser: browser.heard.length, sup: supervisor.heard.length };
      await delay(800);
      const browserWhisper = levels(audible(browser.heard.slice(at.browser)));
      expect(browserWhisper[CALLER_HZ]).toBeGreaterThan(2000);
      expect(browserWhisper[SUPERVISOR_HZ]).toBeGreaterThan(2000);
      const phoneWhisper = levels(audible(decoded(phone, at.phone)));
      expect(phoneWhisper[BROWSER_HZ]).toBeGreaterThan(2000);
      expect(phoneWhisper[SUPERVISOR_HZ]).toBeLessThan(300);
    } finally {
      supervisorTalking = false;
      await supervisorTalk;
      await talk.stop();
      await engine.hangup(callId);
      await supervisor.session.close();
    }
  });

  it('joins a supervisor WebRTC leg in listen mode (spec.mode): it hears caller and agent, nobody hears it', async () => {
    const callId = 'supervised-webrtc';
    current = await setUpCall(engine, events, phonePool, callId, { callerCodec: 'pcmu', engineCodecs: ['pcmu'], browserCodecs: ['pcmu'], offerer: 'engine' });
    const { phone, browser } = current;
    await engine.bridge(callId);
    const supervisor = openBrowser(['pcma']);
    const talk = new Talk(phone, browser);
    const supervisorFrames = g711ToneFrames('pcma', SUPERVISOR_HZ, 50);
    let supervisorTalking = true;
    let supervisorTalk: Promise<void> = Promise.resolve();
    try {
      const offer = await engine.createWebRtcLeg(callId, 'supervisor', { codecs: ['pcma'], mode: 'listen', connectTimeoutMs: 5000 });
      expect(await engine.completeWebRtcLeg(callId, 'supervisor', await supervisor.leg.answerOffer(offer.sdp))).toEqual({ codec: 'pcma', direction: 'sendrecv' });
      await waitFor(() => supervisor.leg.state === 'connected', 5000, 'supervisor connected');
      await untilEvent(events, (e) => e.type === 'webrtc-state' && e.callId === callId && e.legId === 'supervisor' && e.state === 'connected', 5000, 'supervisor leg connected');
      expect((await engine.stats()).webrtc).toMatchObject({ legs: 2, connected: 2 });
      supervisorTalk = (async () => {
        const start = performance.now();
        for (let i = 0; supervisorTalking; i++) {
          const due = start + i * 20 - performance.now();
          if (due > 0) await delay(due);
          supervisor.leg.sendAudio(supervisorFrames[i % 50]!);
        }
      })();
      await delay(300);
      const at = { phone: phone.heard.length, browser: browser.heard.length, sup: supervisor.heard.length };
      await delay(800);
      const sup = levels(audible(supervisor.heard.slice(at.sup)));
      expect(sup[CALLER_HZ]).toBeGreaterThan(2000);
      expect(sup[BROWSER_HZ]).toBeGreaterThan(2000);
      const agent = levels(audible(browser.heard.slice(at.browser)));
      expect(agent[CALLER_HZ]).toBeGreaterThan(2000);
      expect(agent[SUPERVISOR_HZ]).toBeLessThan(300);
      const caller = levels(audible(decoded(phone, at.phone)));
      expect(caller[BROWSER_HZ]).toBeGreaterThan(2000);
      expect(caller[SUPERVISOR_HZ]).toBeLessThan(300);
      await expect(engine.createWebRtcLeg(callId, 'x', { codecs: ['pcmu'], mode: 'whisper' as never })).rejects.toThrow(/spec.mode must be 'normal', 'listen' or 'barge'/);
    } finally {
      supervisorTalking = false;
      await supervisorTalk;
      await talk.stop();
      await engine.hangup(callId);
      await supervisor.leg.close();
    }
  });

  it('records silence on the right until setRecordingSides points it at the agent, and again once the agent is removed', async () => {
    const callId = 'record-sides';
    current = await setUpCall(engine, events, phonePool, callId, { callerCodec: 'pcmu', engineCodecs: ['pcma'], browserCodecs: ['pcma'], offerer: 'engine' });
    await engine.bridge(callId);
    const talk = new Talk(current.phone, current.browser);
    let recording;
    const marks = { agentIn: 0, agentOut: 0 };
    try {
      await expect(engine.setRecordingSides(callId, { left: 'caller', right: 'agent' })).rejects.toThrow(/is not recording/);
      const start = performance.now();
      await engine.startRecording(callId, { path: join(dir, 'sides.wav'), left: 'caller', right: null });
      await delay(600);
      marks.agentIn = performance.now() - start;
      await engine.setRecordingSides(callId, { left: 'caller', right: 'agent' });
      // Long enough for many 80 ms windows: a loaded CI machine may spoil a few of them.
      await delay(2000);
      marks.agentOut = performance.now() - start;
      await engine.removeLeg(callId, 'agent');
      await delay(500);
      await expect(engine.setRecordingSides(callId, { left: 'caller', right: 'agent' })).rejects.toThrow(/has no leg "agent"/);
      recording = await engine.stopRecording(callId);
    } finally {
      await talk.stop();
      await engine.hangup(callId);
    }
    const wav = decodeWav(await readFile(recording!.path));
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    const right = wav.samples.filter((_, i) => i % 2 === 1);
    const at = (ms: number): number => Math.max(0, Math.round((ms * 8000) / 1000));
    expectTone(audible(framesOf(left)), CALLER_HZ, 60);
    expect(toneAmplitude(right.subarray(at(100), at(marks.agentIn - 150)), BROWSER_HZ)).toBeLessThan(100);
    expectTone(framesOf(right.subarray(at(marks.agentIn + 150), at(marks.agentOut - 150))), BROWSER_HZ, 15);
    expect(toneAmplitude(right.subarray(at(marks.agentOut + 150), right.length - 160), BROWSER_HZ)).toBeLessThan(100);
  });

  it('plays a tone into the browser leg (browser offered), stops it with playback-finished', async () => {
    const callId = 'prompt';
    current = await setUpCall(engine, events, phonePool, callId, { callerCodec: 'pcmu', engineCodecs: ['pcmu'], browserCodecs: ['pcmu'], offerer: 'browser' });
    const at = current.browser.heard.length;
    await engine.play(callId, 'agent', { kind: 'tone', pattern: 'busyUs' });
    await delay(600);
    await engine.stopPlayback(callId, 'agent');
    expect(events.filter((e) => e.type === 'playback-finished' && e.callId === callId)).toEqual([{ type: 'playback-finished', callId, legId: 'agent', end: 'stopped' }]);
    const heard = audible(current.browser.heard.slice(at));
    expect(heard.length).toBeGreaterThanOrEqual(10);
    // US busy: 480 + 620 Hz.
    const busy = toneLevels(heard, [480, 620, CALLER_HZ]);
    expect(busy[480]).toBeGreaterThan(1000);
    expect(busy[620]).toBeGreaterThan(1000);
    expect(busy[CALLER_HZ]).toBeLessThan(300);
    await engine.hangup(callId);
  });
});

describe('MediaWorkerPool with a WebRTC leg (worker thread)', () => {
  let pool: MediaWorkerPool;
  let phonePool: PortPool;
  const events: MediaEngineEvent[] = [];
  let current: Bridged | undefined;

  beforeAll(async () => {
    pool = await MediaWorkerPool.start({ workers: 1, bindAddress: '127.0.0.1', portMin: POOL_BASE, portMax: POOL_BASE + 29, jitter: { depthMs: 40, mode: 'fixed' } });
    pool.on('event', (e) => events.push(e));
    phonePool = new PortPool({ min: POOL_BASE + 30, max: POOL_BASE + 49 });
  }, 30_000);
  afterAll(async () => {
    await closeSides(current);
    await pool?.close();
  });

  it('bridges an RTP caller (PCMA) with a browser (PCMU) through the worker, digits come back, SDP errors keep their reason', async () => {
    const callId = 'pooled';
    const portsBefore = (await pool.stats()).portsAvailable;
    current = await setUpCall(pool, events, phonePool, callId, { callerCodec: 'pcma', engineCodecs: ['pcmu', 'pcma'], browserCodecs: ['pcmu'], offerer: 'engine' });
    expect((await pool.stats()).webrtc).toEqual({ legs: 1, awaitingAnswer: 0, connected: 1, failed: 0 });
    await pool.bridge(callId);
    const talk = new Talk(current.phone, current.browser);
    await delay(1200);
    await current.browser.leg.sendDtmf('7');
    await talk.stop();
    await untilEvent(events, (e) => e.type === 'digit' && e.callId === callId, 2000, 'digit');
    expect(events.filter((e) => e.type === 'digit')).toEqual([{ type: 'digit', callId, legId: 'agent', digit: '7', durationMs: 100 }]);
    expectTone(audible(decoded(current.phone)), BROWSER_HZ);
    expectTone(audible(current.browser.heard), CALLER_HZ);

    await pool.createCall('pooled-2');
    const refused = pool.answerWebRtcOffer('pooled-2', 'agent', 'not sdp', { codecs: ['pcmu'] });
    await expect(refused).rejects.toBeInstanceOf(MediaEngineError);
    await expect(refused).rejects.toMatchObject({ sdpReason: 'malformed' });
    await pool.hangup('pooled-2');

    await pool.hangup(callId);
    await untilEvent(events, (e) => e.type === 'webrtc-state' && e.callId === callId && e.state === 'closed', 2000, 'closed');
    expect(await pool.stats()).toMatchObject({ calls: 0, legs: 0, portsAvailable: portsBefore, webrtc: { legs: 0 } });
  });
});
