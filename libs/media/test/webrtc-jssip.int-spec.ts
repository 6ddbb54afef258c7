// The agent's softphone as the voice app will ship it: jssip (bundled with esbuild) in headless
// Chromium calls out; its INVITE carries the offer, the server's WebRtcLeg answers in the 200 OK.
import type { DtmfDigit } from '../src/dtmf-rfc4733';
import { WebRtcLeg } from '../src/webrtc';
import { TestBrowser } from './webrtc-browser-kit';
import { bundleJssip } from '@parley/testing';
import { JSSIP_PAGE, SipWebSocketPeer } from './webrtc-jssip-kit';
import { delay, g711Rms, mulawToneFrames, paceFrames, waitFor } from './webrtc-test-kit';

jest.setTimeout(60_000);

interface JssipPhone {
  version(): string;
  placeCall(wsUrl: string, target: string): Promise<boolean>;
  sendDtmf(tone: string): void;
  inbound(): Promise<{ packetsReceived: number; totalAudioEnergy: number }[]>;
  hangup(): void;
  stop(): void;
}

interface JssipWindow {
  jssipReady: boolean;
  phone: JssipPhone;
}

describe('jssip in Chromium → WebRtcLeg', () => {
  let browser: TestBrowser;

  beforeAll(async () => {
    const bundle = await bundleJssip();
    browser = await TestBrowser.launch({ '/jssip.js': bundle, '/jssip.html': JSSIP_PAGE });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('bundles jssip for the browser with esbuild', async () => {
    const page = await browser.open('/jssip.html');
    try {
      expect(await page.evaluate(() => (globalThis as unknown as JssipWindow).jssipReady)).toBe(true);
      expect(await page.evaluate(() => (globalThis as unknown as JssipWindow).phone.version())).toMatch(/^3\.\d+\.\d+$/);
    } finally {
      await page.close();
    }
  });

  it('answers a jssip INVITE: two-way audio and RFC 2833/4733 DTMF', async () => {
    const leg = new WebRtcLeg();
    const heard: number[] = [];
    const digits: DtmfDigit[] = [];
    leg.onAudio((payload, payloadType) => heard.push(g711Rms(payload, leg.negotiated?.receiveAudioPayloadTypes.get(payloadType) ?? 'pcmu')));
    leg.onDtmf((digit) => digits.push(digit));
    const peer = await SipWebSocketPeer.start((offer) => leg.answerOffer(offer));
    const page = await browser.open('/jssip.html');
    try {
      await page.evaluate(([url, target]) => (globalThis as unknown as JssipWindow).phone.placeCall(url!, target!), [peer.url, 'sip:queue@parley.test']);
      await waitFor(() => leg.state === 'connected', 10_000, 'leg connected');
      expect(peer.requests.map((request) => request.method)).toEqual(['INVITE', 'ACK']);
      expect(peer.requests[0]!.body).toMatch(/^m=audio /m);

      const streaming = paceFrames(mulawToneFrames(1000, 75), (frame) => leg.sendAudio(frame));
      await delay(500);
      await page.evaluate(() => (globalThis as unknown as JssipWindow).phone.sendDtmf('7'));
      await streaming;
      await waitFor(() => digits.length > 0, 3000, 'the digit');
      await delay(300);

      expect(digits).toEqual(['7']);
      expect(heard.length).toBeGreaterThan(40);
      expect(Math.max(...heard)).toBeGreaterThan(500);
      const [inbound] = await page.evaluate(() => (globalThis as unknown as JssipWindow).phone.inbound());
      expect(inbound!.packetsReceived).toBeGreaterThan(40);
      expect(inbound!.totalAudioEnergy).toBeGreaterThan(0);

      await page.evaluate(() => (globalThis as unknown as JssipWindow).phone.hangup());
      await waitFor(() => peer.requests.some((request) => request.method === 'BYE'), 3000, 'BYE');
    } finally {
      await page.evaluate(() => (globalThis as unknown as JssipWindow).phone.stop()).catch(() => undefined);
      await page.close();
      await leg.close();
      await peer.close();
    }
  });
});
