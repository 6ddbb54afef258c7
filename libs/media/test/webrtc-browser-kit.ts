// Headless Debian Chromium for browser-call tests: the flags that make WebRTC work on a loopback-only
// machine (see /work/shared/VOICE.md), a page served from http://127.0.0.1 (a secure context, so
// getUserMedia exists), and a small in-page softphone driven through page.evaluate.
import { type Page } from 'playwright-core';
import { BrowserHarness } from '@parley/testing';

/** The in-page softphone: one RTCPeerConnection with the fake microphone. */
const SOFTPHONE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>parley webrtc test</title></head><body>
<script>
  let pc;
  async function open() {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    pc = new RTCPeerConnection();
    pc.ontrack = (event) => {
      const audio = new Audio();
      audio.srcObject = new MediaStream([event.track]);
      audio.play().catch(() => {});
    };
    return stream;
  }
  function gathered() {
    return new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
  }
  window.softphone = {
    async offer() {
      const stream = await open();
      pc.addTrack(stream.getAudioTracks()[0], stream);
      await pc.setLocalDescription();
      await gathered();
      return pc.localDescription.sdp;
    },
    async acceptAnswer(sdp) {
      await pc.setRemoteDescription({ type: 'answer', sdp });
    },
    async answer(sdp) {
      const stream = await open();
      await pc.setRemoteDescription({ type: 'offer', sdp });
      pc.addTrack(stream.getAudioTracks()[0], stream);
      await pc.setLocalDescription();
      await gathered();
      return pc.localDescription.sdp;
    },
    connectionState() {
      return pc ? pc.connectionState : 'none';
    },
    insertDtmf(tones) {
      const sender = pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
      sender.dtmf.insertDTMF(tones, 100, 70);
    },
    async stats() {
      const out = { transports: [], inbound: [], outbound: [], codecs: [], remoteInbound: [], remoteOutbound: [] };
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'transport') out.transports.push({ dtlsState: s.dtlsState, packetsReceived: s.packetsReceived });
        if (s.type === 'inbound-rtp' && s.kind === 'audio') out.inbound.push({ packetsReceived: s.packetsReceived, packetsLost: s.packetsLost, totalAudioEnergy: s.totalAudioEnergy, codecId: s.codecId });
        if (s.type === 'outbound-rtp' && s.kind === 'audio') out.outbound.push({ packetsSent: s.packetsSent, codecId: s.codecId });
        if (s.type === 'codec') out.codecs.push({ id: s.id, mimeType: s.mimeType, payloadType: s.payloadType });
        if (s.type === 'remote-inbound-rtp') out.remoteInbound.push({ packetsLost: s.packetsLost, jitter: s.jitter, roundTripTime: s.roundTripTime });
        if (s.type === 'remote-outbound-rtp') out.remoteOutbound.push({ packetsSent: s.packetsSent, bytesSent: s.bytesSent });
      });
      return out;
    },
    close() {
      if (pc) pc.close();
    },
  };
</script>
</body></html>`;

export interface SoftphoneStats {
  transports: { dtlsState: string; packetsReceived: number }[];
  inbound: { packetsReceived: number; packetsLost: number; totalAudioEnergy: number; codecId: string }[];
  outbound: { packetsSent: number; codecId: string }[];
  codecs: { id: string; mimeType: string; payloadType: number }[];
  /** What the server's RTCP receiver reports told the browser about its own stream. */
  remoteInbound: { packetsLost: number; jitter: number; roundTripTime?: number }[];
  /** What the server's RTCP sender reports told the browser about the server's stream. */
  remoteOutbound: { packetsSent: number; bytesSent: number }[];
}

interface SoftphoneApi {
  offer(): Promise<string>;
  acceptAnswer(sdp: string): Promise<void>;
  answer(sdp: string): Promise<string>;
  connectionState(): string;
  insertDtmf(tones: string): void;
  stats(): Promise<SoftphoneStats>;
  close(): void;
}

/** The page's globals as seen from page.evaluate (the callbacks run in the page, not in Node). */
export interface SoftphoneWindow {
  softphone: SoftphoneApi;
}

/** A softphone in one browser tab. */
export class Softphone {
  constructor(readonly page: Page) {}

  offer(): Promise<string> {
    return this.page.evaluate(() => (globalThis as unknown as SoftphoneWindow).softphone.offer());
  }

  acceptAnswer(sdp: string): Promise<void> {
    return this.page.evaluate((answer) => (globalThis as unknown as SoftphoneWindow).softphone.acceptAnswer(answer), sdp);
  }

  answer(sdp: string): Promise<string> {
    return this.page.evaluate((offer) => (globalThis as unknown as SoftphoneWindow).softphone.answer(offer), sdp);
  }

  connectionState(): Promise<string> {
    return this.page.evaluate(() => (globalThis as unknown as SoftphoneWindow).softphone.connectionState());
  }

  insertDtmf(tones: string): Promise<void> {
    return this.page.evaluate((digits) => (globalThis as unknown as SoftphoneWindow).softphone.insertDtmf(digits), tones);
  }

  stats(): Promise<SoftphoneStats> {
    return this.page.evaluate(() => (globalThis as unknown as SoftphoneWindow).softphone.stats());
  }

  async close(): Promise<void> {
    await this.page.evaluate(() => (globalThis as unknown as SoftphoneWindow).softphone.close()).catch(() => undefined);
    await this.page.close();
  }
}

/** Chromium with the softphone page (and any extra pages); `close()` removes the browser, server and profile. */
export class TestBrowser {
  private constructor(private readonly harness: BrowserHarness) {}

  static async launch(extraPages: Record<string, string> = {}): Promise<TestBrowser> {
    return new TestBrowser(await BrowserHarness.launch({ '/softphone.html': SOFTPHONE_PAGE, ...extraPages }));
  }

  get origin(): string {
    return this.harness.origin;
  }

  addPage(path: string, body: string): void {
    this.harness.addPage(path, body);
  }

  open(path: string): Promise<Page> {
    return this.harness.open(path);
  }

  async softphone(): Promise<Softphone> {
    return new Softphone(await this.open('/softphone.html'));
  }

  close(): Promise<void> {
    return this.harness.close();
  }
}
