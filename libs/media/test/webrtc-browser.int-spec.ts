// A real browser call: headless Debian Chromium (fake microphone) ↔ the server's WebRtcLeg.
// The browser must hear the server's 1 kHz tone (DTLS connected, packets and audio energy in its
// getStats), the server must hear the fake microphone's beep, and a digit pressed in the browser
// (RTCDTMFSender) must reach the server once.
import type { DtmfDigit } from '../src/dtmf-rfc4733';
import { PortPool } from '../src/port-pool';
import { WebRtcLeg, type IceMode } from '../src/webrtc';
import { TestBrowser, type Softphone, type SoftphoneStats } from './webrtc-browser-kit';
import { delay, g711Rms, mulawToneFrames, paceFrames, waitFor } from './webrtc-test-kit';

jest.setTimeout(60_000);

interface ServerEar {
  frames: { payloadType: number; rms: number }[];
  digits: { digit: DtmfDigit; durationMs: number }[];
}

function listen(leg: WebRtcLeg): ServerEar {
  const ear: ServerEar = { frames: [], digits: [] };
  leg.onAudio((payload, payloadType) => {
    const codec = leg.negotiated?.receiveAudioPayloadTypes.get(payloadType);
    if (codec) ear.frames.push({ payloadType, rms: g711Rms(payload, codec) });
  });
  leg.onDtmf((digit, durationMs) => ear.digits.push({ digit, durationMs }));
  return ear;
}

async function connected(leg: WebRtcLeg, phone: Softphone): Promise<void> {
  await waitFor(() => leg.state === 'connected', 10_000, 'server leg connected');
  const deadline = Date.now() + 10_000;
  while ((await phone.connectionState()) !== 'connected') {
    if (Date.now() > deadline) throw new Error('browser never connected');
    await delay(50);
  }
}

/** Streams 2 s of tone to the browser, presses '5' in the browser meanwhile, returns its stats. */
async function talk(leg: WebRtcLeg, phone: Softphone, ear: ServerEar): Promise<SoftphoneStats> {
  const tone = mulawToneFrames(1000, 100);
  const streaming = paceFrames(tone, (frame) => leg.sendAudio(frame));
  await delay(600);
  await phone.insertDtmf('5');
  await streaming;
  await waitFor(() => ear.digits.length > 0, 3000, 'the digit at the server');
  await delay(300);
  return phone.stats();
}

function expectBrowserHeardServer(stats: SoftphoneStats): void {
  expect(stats.transports.map((transport) => transport.dtlsState)).toContain('connected');
  expect(stats.inbound).toHaveLength(1);
  const [inbound] = stats.inbound;
  expect(inbound!.packetsReceived).toBeGreaterThan(50);
  expect(inbound!.totalAudioEnergy).toBeGreaterThan(0);
  const codec = stats.codecs.find((entry) => entry.id === inbound!.codecId);
  expect(codec?.mimeType).toBe('audio/PCMU');
  // The leg's own RTCP: a sender report (counts) and a receiver report block (loss, jitter).
  expect(stats.remoteOutbound).toHaveLength(1);
  expect(stats.remoteOutbound[0]!.packetsSent).toBeGreaterThan(0);
  expect(stats.remoteInbound).toHaveLength(1);
  expect(stats.remoteInbound[0]!.packetsLost).toBe(0);
}

function expectServerHeardBrowser(leg: WebRtcLeg, ear: ServerEar): void {
  expect(ear.frames.length).toBeGreaterThan(50);
  expect(new Set(ear.frames.map((frame) => frame.payloadType))).toEqual(new Set([leg.negotiated!.payloadType]));
  // The fake microphone beeps once a second: some frames must be loud, not all digital silence.
  expect(Math.max(...ear.frames.map((frame) => frame.rms))).toBeGreaterThan(500);
  expect(ear.digits).toEqual([{ digit: '5', durationMs: 100 }]);
}

describe('WebRtcLeg with headless Chromium', () => {
  const pool = new PortPool({ min: 41100, max: 41199 });
  let browser: TestBrowser;

  beforeAll(async () => {
    browser = await TestBrowser.launch();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each<IceMode>(['full', 'lite'])('the browser offers (agent calls out), the server answers with %s ICE', async (ice) => {
    const phone = await browser.softphone();
    const leg = new WebRtcLeg({ portPool: pool, ice });
    try {
      const ear = listen(leg);
      const offer = await phone.offer();
      const answer = await leg.answerOffer(offer);
      // Chromium offers telephone-event/48000 first; the leg must settle on the 8 kHz one.
      const chromiumEventPt = Number(/^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offer)![1]);
      expect(answer).toMatch(/^a=sendrecv$/m);
      expect(answer).toMatch(/^a=setup:passive$/m);
      expect(answer).not.toMatch(/telephone-event\/48000/);
      expect(leg.negotiated).toMatchObject({ codec: 'pcmu', payloadType: 0, telephoneEventPayloadType: chromiumEventPt });
      await phone.acceptAnswer(answer);
      await connected(leg, phone);

      const stats = await talk(leg, phone, ear);
      expectBrowserHeardServer(stats);
      expectServerHeardBrowser(leg, ear);
      expect(leg.stats()).toMatchObject({ dtlsState: 'connected', dtmfReceived: 1, receivePath: 'lean', sendPath: 'lean', srtpDropped: 0 });
    } finally {
      await leg.close();
      await phone.close();
    }
  });

  it('the server offers (server calls the agent), the browser answers', async () => {
    const phone = await browser.softphone();
    const leg = new WebRtcLeg({ portPool: pool });
    try {
      const ear = listen(leg);
      const offer = await leg.createOffer();
      const answer = await phone.answer(offer);
      const negotiation = await leg.acceptAnswer(answer);
      expect(negotiation).toMatchObject({ codec: 'pcmu', payloadType: 0, telephoneEventPayloadType: 101, direction: 'sendrecv' });
      await connected(leg, phone);

      const stats = await talk(leg, phone, ear);
      expectBrowserHeardServer(stats);
      expectServerHeardBrowser(leg, ear);
    } finally {
      await leg.close();
      await phone.close();
    }
  });

  it("the server's RFC 4733 digit reaches the browser in the audio stream without a sequence gap", async () => {
    const phone = await browser.softphone();
    const leg = new WebRtcLeg({ portPool: pool });
    try {
      await phone.acceptAnswer(await leg.answerOffer(await phone.offer()));
      await connected(leg, phone);
      const tone = mulawToneFrames(1000, 50);
      await Promise.all([paceFrames(tone, (frame) => leg.sendAudio(frame)), leg.sendDtmf('7')]);
      await delay(300);
      const stats = await phone.stats();
      expect(leg.stats().dtmfSent).toBe(1);
      // Audio frames offered during the event are held back; the browser counts every packet the
      // server sent (7 telephone-event packets included) and no gap in the shared sequence space.
      const sent = leg.stats().packetsSent;
      expect(sent).toBeLessThan(50 + 7);
      expect(stats.inbound[0]!.packetsReceived).toBe(sent);
      expect(stats.inbound[0]!.packetsLost).toBe(0);
    } finally {
      await leg.close();
      await phone.close();
    }
  });
});
