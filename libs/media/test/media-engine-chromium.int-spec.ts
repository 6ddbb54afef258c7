// The engine's WebRTC leg with a real browser: headless Debian Chromium (fake microphone, which
// beeps once a second) as the agent, a plain RTP phone playing 440 Hz as the caller. Bridged and
// recorded: the browser must hear the phone (getStats: DTLS connected, packets, audio energy), the
// phone and the recording's right channel must get the browser's beeps, and a digit pressed in the
// browser (RTCDTMFSender, with Chromium's own telephone-event payload type) must come out as an
// engine 'digit' event of the agent leg.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, MediaEngine, type MediaEngineEvent, PortPool, RtpSession } from '../src';
import { audible, framesOf, toneReport } from './tone-check-kit';
import { TestBrowser, type Softphone } from './webrtc-browser-kit';
import { delay, g711ToLinear, g711ToneFrames, waitFor } from './webrtc-test-kit';

jest.setTimeout(60_000);

// Below the ephemeral range (32768+), so no unrelated socket holds them.
const BASE = 31600 + (process.pid % 4) * 20;

function rms(samples: Int16Array): number {
  return Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / Math.max(1, samples.length));
}

async function browserConnected(phone: Softphone): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await phone.connectionState()) !== 'connected') {
    if (Date.now() > deadline) throw new Error('the browser never connected');
    await delay(50);
  }
}

describe('MediaEngine WebRTC leg with headless Chromium', () => {
  let browser: TestBrowser;
  let engine: MediaEngine;
  let phonePool: PortPool;
  let dir: string;
  const events: MediaEngineEvent[] = [];

  beforeAll(async () => {
    browser = await TestBrowser.launch();
    engine = new MediaEngine({ bindAddress: '127.0.0.1', portMin: BASE, portMax: BASE + 11, jitter: { depthMs: 60, mode: 'fixed' } });
    engine.on('event', (e) => events.push(e));
    phonePool = new PortPool({ min: BASE + 12, max: BASE + 19 });
    dir = await mkdtemp(join(tmpdir(), 'media-chromium-'));
  });
  afterAll(async () => {
    await engine?.close();
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['engine', 'browser'] as const)('%s offers: bridged and recorded both ways, the browser digit reported', async (offerer) => {
    const callId = `chromium-${offerer}`;
    const softphone = await browser.softphone();
    const phone = await RtpSession.open({ pool: phonePool, bindAddress: '127.0.0.1', payloadType: 0, latching: 'off' });
    const phoneHeard: Int16Array[] = [];
    phone.setPacketHandler((packet) => {
      if (packet.payloadType === 0) phoneHeard.push(g711ToLinear(packet.payload, 'pcmu'));
    });
    let talking = true;
    let talk: Promise<void> = Promise.resolve();
    try {
      await engine.createCall(callId);
      const caller = await engine.createLeg(callId, 'caller', { codec: 'pcmu', remote: { address: '127.0.0.1', port: phone.localPort } });
      phone.setRemote({ address: caller.address, port: caller.port });
      if (offerer === 'engine') {
        const offer = await engine.createWebRtcLeg(callId, 'agent', { codecs: ['pcmu', 'pcma'], connectTimeoutMs: 10_000 });
        expect(await engine.completeWebRtcLeg(callId, 'agent', await softphone.answer(offer.sdp))).toEqual({ codec: 'pcmu', direction: 'sendrecv' });
      } else {
        const offer = await softphone.offer();
        // Chromium's own telephone-event/8000 type (not our 101): the transport maps it for the leg.
        expect(offer).not.toMatch(/^a=rtpmap:101 telephone-event\/8000/m);
        const answer = await engine.answerWebRtcOffer(callId, 'agent', offer, { codecs: ['pcmu', 'pcma'], connectTimeoutMs: 10_000 });
        expect(answer).toMatchObject({ codec: 'pcmu', direction: 'sendrecv' });
        await softphone.acceptAnswer(answer.sdp);
      }
      await waitFor(() => events.some((e) => e.type === 'webrtc-state' && e.callId === callId && e.state === 'connected'), 10_000, 'the agent leg connected');
      await browserConnected(softphone);

      await engine.bridge(callId);
      await engine.startRecording(callId, { path: join(dir, `${callId}.wav`), left: 'caller', right: 'agent' });
      const frames = g711ToneFrames('pcmu', 440, 50);
      talk = (async () => {
        const start = performance.now();
        for (let i = 0; talking; i++) {
          const due = start + i * 20 - performance.now();
          if (due > 0) await delay(due);
          phone.sendFrame(frames[i % 50]!);
        }
      })();
      await delay(800);
      await softphone.insertDtmf('5');
      await delay(1700);
      const stats = await softphone.stats();
      talking = false;
      await talk;
      const { recording } = await engine.hangup(callId);

      // The browser heard the phone through the engine.
      expect(stats.transports.map((transport) => transport.dtlsState)).toContain('connected');
      expect(stats.inbound).toHaveLength(1);
      expect(stats.inbound[0]!.packetsReceived).toBeGreaterThan(80);
      expect(stats.inbound[0]!.packetsLost).toBe(0);
      expect(stats.inbound[0]!.totalAudioEnergy).toBeGreaterThan(0);
      expect(stats.codecs.find((codec) => codec.id === stats.inbound[0]!.codecId)?.mimeType).toBe('audio/PCMU');
      // The browser's digit, once, from the agent leg.
      expect(events.filter((e) => e.type === 'digit' && e.callId === callId)).toEqual([{ type: 'digit', callId, legId: 'agent', digit: '5', durationMs: 100 }]);
      // The phone heard the browser's beeps (the engine sends digital silence otherwise).
      expect(Math.max(...phoneHeard.map(rms))).toBeGreaterThan(500);
      // The recording: the phone's 440 Hz on the left, the browser's beeps on the right.
      const wav = decodeWav(await readFile(recording!.path));
      const left = wav.samples.filter((_, i) => i % 2 === 0);
      const right = wav.samples.filter((_, i) => i % 2 === 1);
      const leftAudible = audible(framesOf(left));
      expect(leftAudible.length).toBeGreaterThanOrEqual(80);
      const callerTone = toneReport(leftAudible, 440, [440, 620, 1000, 1400]);
      expect(callerTone.clean).toBeGreaterThanOrEqual(Math.ceil(callerTone.windows * 0.8));
      expect(Math.max(...framesOf(right).map(rms))).toBeGreaterThan(500);
    } finally {
      talking = false;
      await talk;
      await engine.hangup(callId);
      await softphone.close();
      await phone.close();
    }
  });
});
