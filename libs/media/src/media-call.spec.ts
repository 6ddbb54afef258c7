import dgram from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DtmfDigitEvent } from './dtmf-rfc4733';
import { decodeToPcm, encodeFromPcm } from './g711';
import { dominantFrequency, toneAmplitude } from './goertzel';
import { MediaCall, MediaCallError } from './media-call';
import { MediaClock } from './media-clock';
import { MediaLeg, MediaLegError } from './media-leg';
import { PortPool } from './port-pool';
import { Prompt, PromptPlayer } from './prompt-player';
import { parseRtp, type RtpPacket, serializeRtp } from './rtp-packet';
import { RtpSession } from './rtp-session';
import { renderTone } from './tone';
import { decodeWav } from './wav';
import { WavRecorder } from './wav-recorder';

// Below the ephemeral range (32768+), so no unrelated socket holds them.
const BASE = 30200 + (process.pid % 4) * 40;

/** A far end: a plain UDP socket that sends RTP and collects what the leg sends it. */
class Peer {
  readonly received: RtpPacket[] = [];
  seq = 100;
  ts = 8000;
  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (m) => this.received.push(parseRtp(m)));
  }
  static async open(): Promise<Peer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new Peer(socket);
  }
  get port(): number {
    return this.socket.address().port;
  }
  sendAudio(to: number, payload: Uint8Array, pt = 0): void {
    this.socket.send(serializeRtp({ payloadType: pt, sequenceNumber: this.seq++, timestamp: this.ts, ssrc: 77 }, payload), to, '127.0.0.1');
    this.ts += 160;
  }
  sendRaw(to: number, packet: Buffer): void {
    this.socket.send(packet, to, '127.0.0.1');
  }
  audio(pt: number): RtpPacket[] {
    return this.received.filter((p) => p.payloadType === pt);
  }
}

/** Waits (polling) until the sockets have delivered what a check expects. */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
const received = (leg: MediaLeg): number => leg.session.getStats().receivedTotal.packets;

describe('MediaLeg and MediaCall (driven tick by tick)', () => {
  let pool: PortPool;
  const cleanup: (() => Promise<void> | void)[] = [];
  beforeEach(() => {
    pool = new PortPool({ min: BASE, max: BASE + 39 });
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function leg(codec: 'pcmu' | 'pcma', peer: Peer, telephoneEventPt: number | null = 101): Promise<MediaLeg> {
    const session = await RtpSession.open({ pool, bindAddress: '127.0.0.1', remote: { address: '127.0.0.1', port: peer.port } });
    const l = new MediaLeg({ session, codec, telephoneEventPt, jitter: { depthMs: 40, mode: 'fixed' } });
    cleanup.push(() => l.close());
    return l;
  }
  async function peer(): Promise<Peer> {
    const p = await Peer.open();
    cleanup.push(() => {
      p.socket.close();
    });
    return p;
  }

  it('plays a prompt from shared pre-encoded frames, then falls back to silence', async () => {
    const far = await peer();
    const caller = await leg('pcmu', far);
    const call = new MediaCall({ clock: new MediaClock() });
    call.addLeg(caller);
    const prompt = Prompt.fromPcm(renderTone({ frequencies: [1000], durationMs: 100 }));
    const ended: unknown[] = [];
    caller.on('source-ended', (s) => ended.push(s));
    const player = new PromptPlayer(prompt);
    caller.play(player);
    for (let f = 0; f < 8; f++) call.tick(f);
    await until(() => far.received.length >= 8);
    const got = far.audio(0);
    expect(got).toHaveLength(8);
    expect(got[0]!.marker).toBe(true);
    expect(got.slice(0, 5).map((p) => p.payload)).toEqual(prompt.framesFor('pcmu').map((b) => Buffer.from(b)));
    expect(got.slice(5).every((p) => p.payload.every((b) => b === 0xff))).toBe(true);
    expect(got.map((p) => p.timestamp - got[0]!.timestamp)).toEqual([0, 160, 320, 480, 640, 800, 960, 1120]);
    expect(ended).toEqual([player]);
    await expect(player.finished).resolves.toBe('completed');
  });

  it('decodes what the far end sends, after the jitter buffer depth', async () => {
    const far = await peer();
    const caller = await leg('pcma', far);
    const call = new MediaCall({ clock: new MediaClock() });
    call.addLeg(caller);
    const tone = renderTone({ frequencies: [440], durationMs: 200 });
    const heard: Int16Array[] = [];
    for (let f = 0; f < 10; f++) {
      far.sendAudio(caller.session.localPort, encodeFromPcm('pcma', tone.subarray(f * 160, (f + 1) * 160)), 8);
      await until(() => received(caller) === f + 1);
      call.tick(f);
      if (caller.inboundPayload) heard.push(caller.inboundPcm().slice());
    }
    expect(heard).toHaveLength(9); // 40 ms depth: the first tick primes
    const all = new Int16Array(heard.length * 160);
    heard.forEach((h, i) => all.set(h, i * 160));
    expect(dominantFrequency(all, [350, 440, 1000]).frequency).toBe(440);
  });

  it('relays a bridged pair without decoding, transcoding when the codecs differ', async () => {
    const farA = await peer();
    const farB = await peer();
    const a = await leg('pcmu', farA);
    const b = await leg('pcma', farB);
    const call = new MediaCall({ clock: new MediaClock() });
    call.addLeg(a);
    call.addLeg(b);
    call.bridge();
    const fromA = encodeFromPcm('pcmu', renderTone({ frequencies: [1000], durationMs: 20 }));
    for (let f = 0; f < 4; f++) {
      farA.sendAudio(a.session.localPort, fromA, 0);
      await until(() => received(a) === f + 1);
      call.tick(f);
    }
    await until(() => farB.received.length >= 4 && farA.received.length >= 4);
    const atB = farB.audio(8);
    expect(atB).toHaveLength(4);
    const voiced = atB.filter((p) => !p.payload.every((x) => x === 0xd5));
    expect(voiced.length).toBeGreaterThanOrEqual(3);
    expect(dominantFrequency(decodeToPcm('pcma', voiced[0]!.payload), [440, 1000]).frequency).toBe(1000);
    expect(farA.audio(0).every((p) => p.payload.every((x) => x === 0xff))).toBe(true); // B said nothing
  });

  it('mixes for a listening supervisor: they hear both, nobody hears them', async () => {
    const [fc, fa, fs] = [await peer(), await peer(), await peer()];
    const [caller, agent, sup] = [await leg('pcmu', fc), await leg('pcmu', fa), await leg('pcmu', fs)];
    const call = new MediaCall({ clock: new MediaClock() });
    call.addLeg(caller);
    call.addLeg(agent);
    call.addLeg(sup, { mode: 'listen' });
    call.bridge();
    const tones = { caller: 500, agent: 1500, sup: 3000 };
    for (let f = 0; f < 6; f++) {
      fc.sendAudio(caller.session.localPort, encodeFromPcm('pcmu', renderTone({ frequencies: [tones.caller], durationMs: 20 })));
      fa.sendAudio(agent.session.localPort, encodeFromPcm('pcmu', renderTone({ frequencies: [tones.agent], durationMs: 20 })));
      fs.sendAudio(sup.session.localPort, encodeFromPcm('pcmu', renderTone({ frequencies: [tones.sup], durationMs: 20 })));
      await until(() => [caller, agent, sup].every((l) => received(l) === f + 1));
      call.tick(f);
    }
    await until(() => [fc, fa, fs].every((p) => p.received.length >= 6));
    const level = (p: Peer, hz: number): number => {
      const last = p.audio(0).at(-1)!;
      const pcm = decodeToPcm('pcmu', last.payload);
      return dominantFrequency(pcm, [hz]).amplitude;
    };
    expect(level(fs, tones.caller)).toBeGreaterThan(2000);
    expect(level(fs, tones.agent)).toBeGreaterThan(2000);
    expect(level(fc, tones.sup)).toBeLessThan(300);
    expect(level(fa, tones.sup)).toBeLessThan(300);
    expect(level(fc, tones.agent)).toBeGreaterThan(2000);
    expect(() => call.setMode(sup, 'whisper')).toThrow(MediaCallError);
  });

  it('holds a party in a bridged call: it hears only its own playback, the other two hear each other and not it', async () => {
    const [fc, fa, ft] = [await peer(), await peer(), await peer()];
    const [caller, agent, third] = [await leg('pcmu', fc), await leg('pcmu', fa), await leg('pcmu', ft)];
    const call = new MediaCall({ clock: new MediaClock() });
    call.addLeg(caller);
    call.addLeg(agent);
    call.addLeg(third);
    call.setMode(caller, 'held');
    call.bridge();
    const tones = { caller: 500, agent: 1500, third: 3000, music: 700 };
    caller.play(new PromptPlayer(Prompt.fromPcm(renderTone({ frequencies: [tones.music], durationMs: 400 })), { loop: true }));
    for (let f = 0; f < 6; f++) {
      fc.sendAudio(caller.session.localPort, encodeFromPcm('pcmu', renderTone({ frequencies: [tones.caller], durationMs: 20 })));
      fa.sendAudio(agent.session.localPort, encodeFromPcm('pcmu', renderTone({ frequencies: [tones.agent], durationMs: 20 })));
      ft.sendAudio(third.session.localPort, encodeFromPcm('pcmu', renderTone({ frequencies: [tones.third], durationMs: 20 })));
      await until(() => [caller, agent, third].every((l) => received(l) === f + 1));
      call.tick(f);
    }
    await until(() => [fc, fa, ft].every((p) => p.received.length >= 6));
    const level = (p: Peer, hz: number): number => dominantFrequency(decodeToPcm('pcmu', p.audio(0).at(-1)!.payload), [hz]).amplitude;
    expect(level(fc, tones.music)).toBeGreaterThan(2000);
    expect(level(fc, tones.agent)).toBeLessThan(300);
    expect(level(fc, tones.third)).toBeLessThan(300);
    expect(level(fa, tones.third)).toBeGreaterThan(2000);
    expect(level(ft, tones.agent)).toBeGreaterThan(2000);
    expect(level(fa, tones.caller)).toBeLessThan(300);
    expect(level(ft, tones.caller)).toBeLessThan(300);
    // Without music the held party hears silence, not the others.
    caller.stopSource();
    call.tick(6);
    await until(() => fc.received.length >= 7);
    expect(fc.audio(0).at(-1)!.payload.every((b) => b === 0xff)).toBe(true);
    expect(() => call.setMode(caller, 'parked' as never)).toThrow(/unknown mix mode "parked"/);
  });

  it("records a conference's third party mixed with the agent on the right channel, and no longer once it is off that side", async () => {
    const [fc, fa, ft] = [await peer(), await peer(), await peer()];
    // The agent on A-law: the mixed channel decodes every leg, whatever its codec.
    const [caller, agent, third] = [await leg('pcmu', fc), await leg('pcma', fa), await leg('pcmu', ft)];
    const call = new MediaCall({ clock: new MediaClock() });
    call.addLeg(caller);
    call.addLeg(agent);
    call.addLeg(third);
    call.bridge();
    const dir = await mkdtemp(join(tmpdir(), 'media-call-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    call.record(await WavRecorder.open({ path: join(dir, 'conference.wav') }), { left: caller, right: [agent, third] });
    const tones = { caller: 500, agent: 1500, third: 3000 };
    const talk = async (frames: number, from: number): Promise<void> => {
      for (let f = from; f < from + frames; f++) {
        fc.sendAudio(caller.session.localPort, encodeFromPcm('pcmu', renderTone({ frequencies: [tones.caller], durationMs: 20 })));
        fa.sendAudio(agent.session.localPort, encodeFromPcm('pcma', renderTone({ frequencies: [tones.agent], durationMs: 20 })), 8);
        ft.sendAudio(third.session.localPort, encodeFromPcm('pcmu', renderTone({ frequencies: [tones.third], durationMs: 20 })));
        await until(() => [caller, agent, third].every((l) => received(l) === f + 1));
        call.tick(f);
      }
    };
    await talk(10, 0);
    // The third party leaves the conference: the right channel is the agent again.
    call.setRecordingSides({ left: caller, right: agent });
    await talk(10, 10);
    const result = await call.stopRecording();
    const wav = decodeWav(await readFile(result!.path));
    expect(wav.channels).toBe(2);
    const left = wav.samples.filter((_, i) => i % 2 === 0);
    const right = wav.samples.filter((_, i) => i % 2 === 1);
    // Frames 2-9 (the jitter buffer primes first) in the conference, 12-19 after it.
    const during = { start: 2 * 160, length: 8 * 160 };
    const after = { start: 12 * 160, length: 8 * 160 };
    const level = (channel: Int16Array, hz: number, span: { start: number; length: number }): number => toneAmplitude(channel, hz, 8000, span.start, span.length);
    expect(level(right, tones.third, during)).toBeGreaterThan(3000);
    expect(level(right, tones.agent, during)).toBeGreaterThan(3000);
    expect(level(right, tones.caller, during)).toBeLessThan(100);
    expect(level(left, tones.caller, during)).toBeGreaterThan(3000);
    expect(level(left, tones.third, during)).toBeLessThan(100);
    expect(level(right, tones.third, after)).toBeLessThan(100);
    expect(level(right, tones.agent, after)).toBeGreaterThan(3000);

    // A leg named twice would be recorded twice as loud; a leg of no call cannot be recorded.
    call.record(await WavRecorder.open({ path: join(dir, 'again.wav') }), { left: caller, right: null });
    expect(() => call.setRecordingSides({ left: caller, right: [agent, agent] })).toThrow(/right side names a leg of call call twice/);
    const stranger = await leg('pcmu', fc);
    expect(() => call.setRecordingSides({ left: [caller, stranger], right: null })).toThrow(MediaCallError);
    await call.stopRecording();
  });

  it('sends RFC 4733 digits instead of audio and reports received digits', async () => {
    const far = await peer();
    const caller = await leg('pcmu', far, 96);
    const call = new MediaCall({ clock: new MediaClock() });
    call.addLeg(caller);
    caller.sendDigits('7', { durationMs: 60, gapMs: 20 });
    for (let f = 0; f < 6; f++) call.tick(f);
    await until(() => far.received.length >= 8);
    const events = far.audio(96);
    expect(events.map((p) => [p.marker, p.payload.toString('hex')])).toEqual([
      [true, '070a00a0'],
      [false, '070a0140'],
      [false, '078a01e0'],
      [false, '078a01e0'],
      [false, '078a01e0'],
    ]);
    expect(new Set(events.map((p) => p.timestamp)).size).toBe(1);
    const audio = far.audio(0);
    expect(audio).toHaveLength(3); // 6 ticks, 3 taken by the digit
    expect(audio[0]!.timestamp - events[0]!.timestamp).toBe(480);

    const digits: DtmfDigitEvent[] = [];
    caller.on('digit', (d) => digits.push(d));
    for (const hex of ['04 0a 00a0', '04 8a 0320', '04 8a 0320', '04 8a 0320']) {
      far.sendRaw(caller.session.localPort, serializeRtp({ payloadType: 96, sequenceNumber: far.seq++, timestamp: 5000, ssrc: 77 }, Buffer.from(hex.replace(/ /g, ''), 'hex')));
    }
    await until(() => digits.length > 0);
    expect(digits.map((d) => [d.digit, d.durationMs])).toEqual([['4', 100]]);
  });

  it('cuts 30 ms packets into 20 ms frames and fills a lost one with silence of its length', async () => {
    const far = await peer();
    const caller = await leg('pcmu', far);
    const call = new MediaCall({ clock: new MediaClock() });
    call.addLeg(caller);
    // Codes 0x10, 0x20, (lost), 0x40, 0x50: 240 samples each.
    for (const code of [0x10, 0x20, 0x30, 0x40, 0x50]) {
      const payload = Buffer.alloc(240, code);
      if (code === 0x30) {
        far.seq++;
        far.ts += 240;
        continue;
      }
      far.socket.send(serializeRtp({ payloadType: 0, sequenceNumber: far.seq++, timestamp: far.ts, ssrc: 9 }, payload), caller.session.localPort, '127.0.0.1');
      far.ts += 240;
    }
    await until(() => received(caller) === 4);
    const bytes: number[] = [];
    const nulls: number[] = [];
    for (let f = 0; f < 9; f++) {
      call.tick(f);
      if (!caller.inboundPayload) nulls.push(f);
      bytes.push(...(caller.inboundPayload ?? Buffer.alloc(160, 0xff))); // null = silence
    }
    const expected = [
      ...Buffer.alloc(240, 0x10),
      ...Buffer.alloc(240, 0x20),
      ...Buffer.alloc(240, 0xff), // the lost packet, as µ-law silence
      ...Buffer.alloc(240, 0x40),
      ...Buffer.alloc(240, 0x50),
    ];
    expect(bytes.slice(0, 1200)).toEqual(expected);
    expect(nulls).toEqual([3, 8]); // a frame of nothing but the lost packet, and the end of the stream
  });

  it('refuses DTMF when none was negotiated', async () => {
    const far = await peer();
    const caller = await leg('pcmu', far, null);
    expect(() => caller.sendDigits('1')).toThrow(MediaLegError);
  });
});
