// Two WebRtcLegs (werift on both ends) on 127.0.0.1, with a UDP tap in the middle that reads the
// RTP headers on the wire: connection, G.711 both ways without loss, RFC 4733 digits, hold by
// re-offer in both directions, and a close that releases every socket.
import { Socket } from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import type { DtmfDigit } from '../src/dtmf-rfc4733';
import { PortPool } from '../src/port-pool';
import { WebRtcLeg, WebRtcSdpError, type WebRtcLegStateChange } from '../src/webrtc';
import { activeResources, delay, mulawToneFrames, paceFrames, UdpWireTap, waitFor } from './webrtc-test-kit';

interface Received {
  frames: { payload: Buffer; payloadType: number; timestamp: number; seq: number }[];
  digits: { digit: DtmfDigit; durationMs: number }[];
  states: WebRtcLegStateChange[];
}

function record(leg: WebRtcLeg): Received {
  const received: Received = { frames: [], digits: [], states: [] };
  leg.onAudio((payload, payloadType, timestamp, seq) => received.frames.push({ payload: Buffer.from(payload), payloadType, timestamp, seq }));
  leg.onDtmf((digit, durationMs) => received.digits.push({ digit, durationMs }));
  leg.onStateChange((state) => received.states.push(state));
  return received;
}

function expectContiguous(frames: Received['frames']): void {
  for (let i = 1; i < frames.length; i++) {
    expect((frames[i]!.seq - frames[i - 1]!.seq + 0x10000) & 0xffff).toBe(1);
    expect((frames[i]!.timestamp - frames[i - 1]!.timestamp) >>> 0).toBe(160);
  }
}

describe('WebRtcLeg ↔ WebRtcLeg over loopback', () => {
  const pool = new PortPool({ min: 41000, max: 41099 });
  let udpBefore: number;
  let tap: UdpWireTap;
  let offerer: WebRtcLeg;
  let answerer: WebRtcLeg;
  let atOfferer: Received;
  let atAnswerer: Received;
  let connectMs: number;

  beforeAll(async () => {
    udpBefore = activeResources('UDPWrap');
    tap = await UdpWireTap.start();
    offerer = new WebRtcLeg({ portPool: pool });
    answerer = new WebRtcLeg({ portPool: pool });
    atOfferer = record(offerer);
    atAnswerer = record(answerer);
    const started = performance.now();
    const offer = await offerer.createOffer();
    const answer = await answerer.answerOffer(tap.interceptOffer(offer));
    await offerer.acceptAnswer(tap.interceptAnswer(answer));
    await waitFor(() => offerer.state === 'connected' && answerer.state === 'connected', 5000, 'both legs connected');
    connectMs = performance.now() - started;
  });

  afterAll(async () => {
    await offerer?.close();
    await answerer?.close();
    await tap?.close();
  });

  it('offers one host candidate on the configured address, from the pool, without STUN', () => {
    const offer = offerer.localDescription!;
    const candidates = offer.match(/^a=candidate:.*$/gm) ?? [];
    expect(candidates).toHaveLength(1);
    const [, port] = /127\.0\.0\.1 (\d+) typ host/.exec(candidates[0]!) ?? [];
    expect(Number(port)).toBeGreaterThanOrEqual(41000);
    expect(Number(port)).toBeLessThanOrEqual(41099);
    expect(offer).toMatch(/^a=rtpmap:101 telephone-event\/8000$/m);
    expect(pool.available).toBe(pool.capacity - 2);
  });

  it('connects DTLS-SRTP within a few seconds', () => {
    expect(connectMs).toBeLessThan(3000);
    expect(offerer.stats().dtlsState).toBe('connected');
    expect(answerer.stats().dtlsState).toBe('connected');
    // The answering leg takes the DTLS server role (werift's DTLS client breaks on repeated flights).
    expect(answerer.localDescription).toMatch(/^a=setup:passive\r?$/m);
    expect(atOfferer.states).toEqual(['connecting', 'connected']);
    expect(atAnswerer.states).toEqual(['connecting', 'connected']);
    expect(offerer.negotiated).toMatchObject({ codec: 'pcmu', payloadType: 0, telephoneEventPayloadType: 101, direction: 'sendrecv' });
    expect(answerer.negotiated).toMatchObject({ codec: 'pcmu', payloadType: 0, telephoneEventPayloadType: 101, direction: 'sendrecv' });
  });

  it('carries 1 s of µ-law tone both ways without loss, with payload type 0 on the wire', async () => {
    const tone = mulawToneFrames(1000, 50);
    atOfferer.frames.length = 0;
    atAnswerer.frames.length = 0;
    const sentBefore = { a: tap.rtpCount('offererToAnswerer', 0), b: tap.rtpCount('answererToOfferer', 0) };
    const sent = { offerer: 0, answerer: 0 };
    await paceFrames(tone, (frame) => {
      if (offerer.sendAudio(frame)) sent.offerer++;
      if (answerer.sendAudio(frame)) sent.answerer++;
    });
    await waitFor(() => atOfferer.frames.length >= 50 && atAnswerer.frames.length >= 50, 2000, '50 frames each way');
    await delay(100);
    expect(sent).toEqual({ offerer: 50, answerer: 50 });
    for (const received of [atOfferer, atAnswerer]) {
      expect(received.frames).toHaveLength(50);
      expect(received.frames.map((frame) => frame.payloadType)).toEqual(Array(50).fill(0));
      expect(received.frames.map((frame) => frame.payload)).toEqual(tone);
      expectContiguous(received.frames);
    }
    expect(tap.rtpCount('offererToAnswerer', 0) - sentBefore.a).toBe(50);
    expect(tap.rtpCount('answererToOfferer', 0) - sentBefore.b).toBe(50);
    expect(offerer.stats()).toMatchObject({ packetsSent: 50, bytesSent: 50 * 160, receivePath: 'lean', sendPath: 'lean', srtpDropped: 0 });
    expect(answerer.stats()).toMatchObject({ receivePath: 'lean', sendPath: 'lean', srtpDropped: 0 });
  });

  it('keeps decrypting across the RTP sequence number wrap (SRTP rollover counter)', async () => {
    // Jump both senders to just before 65535, as a 22-minute call would.
    for (const leg of [offerer, answerer]) (leg as unknown as { sequenceNumber: number }).sequenceNumber = 0xfff8;
    const before = { o: atOfferer.frames.length, a: atAnswerer.frames.length };
    const tone = mulawToneFrames(700, 20);
    await paceFrames(tone, (frame) => {
      offerer.sendAudio(frame);
      answerer.sendAudio(frame);
    });
    await waitFor(() => atOfferer.frames.length - before.o >= 20 && atAnswerer.frames.length - before.a >= 20, 2000, '20 frames each way');
    for (const frames of [atOfferer.frames.slice(before.o), atAnswerer.frames.slice(before.a)]) {
      expect(frames.map((frame) => frame.seq)).toEqual(Array.from({ length: 20 }, (_, i) => (0xfff8 + i) & 0xffff));
      expect(frames.map((frame) => frame.payload)).toEqual(tone);
    }
    expect(offerer.stats().srtpDropped).toBe(0);
  });

  it('sends RFC 4733 digits with the telephone-event payload type and decodes each digit once', async () => {
    const dtmfOnWire = tap.rtpCount('offererToAnswerer', 101);
    const audioOnWire = tap.rtpCount('offererToAnswerer', 0);
    await offerer.sendDtmf('1');
    await offerer.sendDtmf('#', 160);
    await answerer.sendDtmf('9');
    await waitFor(() => atAnswerer.digits.length >= 2 && atOfferer.digits.length >= 1, 2000, 'digits decoded');
    await delay(100);
    expect(atAnswerer.digits).toEqual([
      { digit: '1', durationMs: 100 },
      { digit: '#', durationMs: 160 },
    ]);
    expect(atOfferer.digits).toEqual([{ digit: '9', durationMs: 100 }]);
    // 100 ms: 4 progress packets + 3 end packets; 160 ms: 7 + 3. None rewritten to PCMU.
    expect(tap.rtpCount('offererToAnswerer', 101) - dtmfOnWire).toBe(7 + 10);
    expect(tap.rtpCount('offererToAnswerer', 0)).toBe(audioOnWire);
    expect(answerer.stats().dtmfReceived).toBe(2);
    expect(offerer.stats().dtmfSent).toBe(2);
  });

  async function exchange(frames: number): Promise<{ atOfferer: number; atAnswerer: number; wireToOfferer: number; wireToAnswerer: number }> {
    const before = { o: atOfferer.frames.length, a: atAnswerer.frames.length, wo: tap.rtpCount('answererToOfferer', 0), wa: tap.rtpCount('offererToAnswerer', 0) };
    await paceFrames(mulawToneFrames(440, frames), (frame) => {
      offerer.sendAudio(frame);
      answerer.sendAudio(frame);
    });
    await delay(150);
    return {
      atOfferer: atOfferer.frames.length - before.o,
      atAnswerer: atAnswerer.frames.length - before.a,
      wireToOfferer: tap.rtpCount('answererToOfferer', 0) - before.wo,
      wireToAnswerer: tap.rtpCount('offererToAnswerer', 0) - before.wa,
    };
  }

  it('holds by re-offer: sendonly stops audio toward the holder, inactive stops both, sendrecv resumes', async () => {
    offerer.setDirection('sendonly');
    await offerer.acceptAnswer(await answerer.answerReoffer(await offerer.createOffer()));
    expect(answerer.negotiated?.direction).toBe('recvonly');
    expect(offerer.negotiated?.direction).toBe('sendonly');
    expect(answerer.sendAudio(Buffer.alloc(160, 0xff))).toBe(false);
    expect(await exchange(10)).toEqual({ atOfferer: 0, atAnswerer: 10, wireToOfferer: 0, wireToAnswerer: 10 });

    offerer.setDirection('inactive');
    await offerer.acceptAnswer(await answerer.answerReoffer(await offerer.createOffer()));
    expect(answerer.negotiated?.direction).toBe('inactive');
    expect(await exchange(10)).toEqual({ atOfferer: 0, atAnswerer: 0, wireToOfferer: 0, wireToAnswerer: 0 });
    await expect(offerer.sendDtmf('1')).rejects.toMatchObject({ code: 'not-connected' });

    offerer.setDirection('sendrecv');
    await offerer.acceptAnswer(await answerer.answerReoffer(await offerer.createOffer()));
    expect(answerer.negotiated?.direction).toBe('sendrecv');
    expect(await exchange(10)).toEqual({ atOfferer: 10, atAnswerer: 10, wireToOfferer: 10, wireToAnswerer: 10 });
  });

  it('answers a re-offer from the side that answered first (the browser putting the call on hold)', async () => {
    answerer.setDirection('sendonly');
    const reanswer = await offerer.answerReoffer(await answerer.createOffer());
    expect(reanswer).toMatch(/^a=recvonly$/m);
    await answerer.acceptAnswer(reanswer);
    expect(offerer.negotiated?.direction).toBe('recvonly');
    expect(await exchange(10)).toEqual({ atOfferer: 10, atAnswerer: 0, wireToOfferer: 10, wireToAnswerer: 0 });

    answerer.setDirection('sendrecv');
    await answerer.acceptAnswer(await offerer.answerReoffer(await answerer.createOffer()));
    expect(await exchange(10)).toEqual({ atOfferer: 10, atAnswerer: 10, wireToOfferer: 10, wireToAnswerer: 10 });
    expect(offerer.state).toBe('connected');
  });

  it('refuses a second answer and a call that shares no codec, without breaking the leg', async () => {
    await expect(offerer.acceptAnswer(answerer.localDescription!)).rejects.toMatchObject({ code: 'invalid-state' });
    const spare = new WebRtcLeg({ portPool: pool });
    try {
      const opusOnly = offerer.localDescription!.replace(/^m=audio (\d+) (\S+) .*$/m, 'm=audio $1 $2 111').replace(/^a=rtpmap:(0|8|101) .*\r?\n/gm, '') + 'a=rtpmap:111 opus/48000/2\r\n';
      await expect(spare.answerOffer(opusOnly)).rejects.toBeInstanceOf(WebRtcSdpError);
      await expect(spare.answerOffer('hello')).rejects.toMatchObject({ reason: 'malformed' });
    } finally {
      await spare.close();
    }
    expect(await exchange(5)).toMatchObject({ atOfferer: 5, atAnswerer: 5 });
  });

  it('closes: cuts a digit short, reports closed, stops sending, returns its ports and sockets', async () => {
    const longDigit = offerer.sendDtmf('5', 2000);
    await delay(100);
    await offerer.close();
    await expect(longDigit).rejects.toMatchObject({ code: 'closed' });
    await answerer.close();
    await tap.close();
    expect(atOfferer.states.at(-1)).toBe('closed');
    expect(atAnswerer.states.at(-1)).toBe('closed');
    expect(offerer.sendAudio(Buffer.alloc(160))).toBe(false);
    await expect(offerer.createOffer()).rejects.toMatchObject({ code: 'closed' });
    expect(pool.available).toBe(pool.capacity);
    await waitFor(() => activeResources('UDPWrap') <= udpBefore, 2000, 'UDP sockets closed');
  });
});

describe('WebRtcLeg gathering', () => {
  it('never looks up or sends to a STUN server (werift falls back to stun.l.google.com and waits up to 5 s)', async () => {
    const lookup = jest.spyOn(dnsPromises, 'lookup');
    const send = jest.spyOn(Socket.prototype, 'send');
    const leg = new WebRtcLeg();
    try {
      const started = performance.now();
      await leg.createOffer();
      await delay(50);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(lookup).not.toHaveBeenCalled();
      const destinations = send.mock.calls.flatMap((args) => args.slice(1));
      expect(destinations).not.toContain('stun.l.google.com');
      expect(destinations).not.toContain(19302);
    } finally {
      lookup.mockRestore();
      send.mockRestore();
      await leg.close();
    }
  });
});

describe('WebRtcLeg with ICE-lite', () => {
  it('connects a full-ICE offerer to an ICE-lite answerer and carries audio', async () => {
    const offerer = new WebRtcLeg();
    const answerer = new WebRtcLeg({ ice: 'lite' });
    try {
      const answer = await answerer.answerOffer(await offerer.createOffer());
      expect(answer).toMatch(/^a=ice-lite$/m);
      await offerer.acceptAnswer(answer);
      await waitFor(() => offerer.state === 'connected' && answerer.state === 'connected', 5000, 'connected');
      const got: number[] = [];
      answerer.onAudio((_payload, payloadType) => got.push(payloadType));
      await paceFrames(mulawToneFrames(1000, 10), (frame) => offerer.sendAudio(frame));
      await waitFor(() => got.length === 10, 1000, '10 frames');
      expect(got).toEqual(Array(10).fill(0));
    } finally {
      await offerer.close();
      await answerer.close();
    }
  });

  it('turns failed when the peer never answers checks', async () => {
    const offerer = new WebRtcLeg({ connectTimeoutMs: 300 });
    const silent = new WebRtcLeg();
    const states: string[] = [];
    offerer.onStateChange((state) => states.push(state));
    try {
      const answer = await silent.answerOffer(await offerer.createOffer());
      await silent.close();
      await offerer.acceptAnswer(answer);
      await waitFor(() => offerer.state === 'failed', 3000, 'failed');
      expect(states).toEqual(['connecting', 'failed']);
    } finally {
      await offerer.close();
      await silent.close();
    }
  });
});
