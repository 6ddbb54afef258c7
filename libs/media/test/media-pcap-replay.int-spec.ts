// Replays sipp's shipped captures (/usr/share/sip-tester) into the engine: RFC 4733 digits and a
// 30 ms-ptime A-law stream, over real sockets, paced by their capture times.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import {
  ALAW_DECODE,
  type DtmfDigitEvent,
  DtmfReceiver,
  MediaClock,
  MediaLeg,
  parseRtp,
  PortPool,
  readPcapUdp,
  rms,
  RtpSession,
} from '../src';

const SIPP = '/usr/share/sip-tester';
// Below the ephemeral range (32768+), so no unrelated socket holds them.
const BASE = 30800 + (process.pid % 4) * 40;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends each datagram at its capture time offset (first one now). */
async function replay(socket: dgram.Socket, datagrams: { timeMs: number; payload: Buffer }[], port: number): Promise<void> {
  const t0 = performance.now();
  const first = datagrams[0]!.timeMs;
  for (const d of datagrams) {
    const wait = t0 + (d.timeMs - first) - performance.now();
    if (wait > 1) await sleep(wait);
    socket.send(d.payload, port, '127.0.0.1');
  }
}

describe('sipp captures replayed into the engine', () => {
  let pool: PortPool;
  let sender: dgram.Socket;
  const legs: MediaLeg[] = [];
  beforeEach(async () => {
    pool = new PortPool({ min: BASE, max: BASE + 39 });
    sender = dgram.createSocket('udp4');
    await new Promise<void>((r) => sender.bind(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    sender.close();
    await Promise.all(legs.splice(0).map((l) => l.close()));
  });

  it('decodes the digit in dtmf_2833_1.pcap once, with its duration, although its end packet is sent three times', () => {
    const datagrams = readPcapUdp(readFileSync(`${SIPP}/dtmf_2833_1.pcap`));
    expect(datagrams).toHaveLength(10);
    const digits: DtmfDigitEvent[] = [];
    const rx = new DtmfReceiver({ onDigit: (d) => digits.push(d) });
    for (const d of datagrams) {
      const packet = parseRtp(d.payload);
      expect(packet.payloadType).toBe(101);
      rx.push(packet.timestamp, packet.payload, packet.marker);
    }
    expect(digits).toEqual([{ digit: '1', durationMs: 280, volume: 10, timestamp: 13280, endReceived: true }]);
    expect(rx.counters).toMatchObject({ digits: 1, redundant: 2 });
  });

  it('receives every shipped digit capture over a socket as the right digit', async () => {
    const session = await RtpSession.open({ pool, bindAddress: '127.0.0.1' });
    const leg = new MediaLeg({ session, codec: 'pcmu', telephoneEventPt: 101 });
    legs.push(leg);
    const digits: string[] = [];
    leg.on('digit', (d) => digits.push(d.digit));
    const names = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'star', 'pound'];
    let timestampBase = 0;
    for (const name of names) {
      // Each capture restarts its timestamps; shift them so every capture is a new event.
      for (const d of readPcapUdp(readFileSync(`${SIPP}/dtmf_2833_${name}.pcap`))) {
        const payload = Buffer.from(d.payload);
        payload.writeUInt32BE((payload.readUInt32BE(4) + timestampBase) >>> 0, 4);
        sender.send(payload, session.localPort, '127.0.0.1');
      }
      timestampBase += 100_000;
      await sleep(5);
    }
    await sleep(50);
    expect(digits.join('')).toBe('0123456789*#');
    expect(session.getStats().remote).toMatchObject({ address: '127.0.0.1' }); // latched: no SDP address was given
  });

  it('plays g711a.pcap (A-law, 30 ms packets) through the jitter buffer and reframer bit-exact, at its own pace', async () => {
    const datagrams = readPcapUdp(readFileSync(`${SIPP}/g711a.pcap`)).slice(0, 100); // 3 s
    const packets = datagrams.map((d) => parseRtp(d.payload));
    expect(packets.every((p) => p.payloadType === 8 && p.payload.length === 240)).toBe(true);
    const original = Buffer.concat(packets.map((p) => p.payload));

    const session = await RtpSession.open({ pool, bindAddress: '127.0.0.1' });
    // A deep buffer: the point is bit-exact reframing, and a loaded CI machine can stall the event loop for tens of ms.
    const leg = new MediaLeg({ session, codec: 'pcma', jitter: { depthMs: 200, mode: 'fixed' } });
    legs.push(leg);
    const clock = new MediaClock();
    const received: Buffer[] = [];
    let started = false;
    clock.add({
      tick(frame) {
        leg.receive(frame);
        if (leg.inboundPayload) {
          started = true;
          received.push(Buffer.from(leg.inboundPayload));
        } else if (started) {
          received.push(Buffer.alloc(160, 0xd5));
        }
      },
    });
    await replay(sender, datagrams, session.localPort);
    await sleep(300);
    clock.close();

    expect(session.getStats().received).toMatchObject({ packets: 100, lost: 0 });
    expect(leg.jitter.stats()).toMatchObject({ late: 0, missing: 0, duplicates: 0 });
    const got = Buffer.concat(received).subarray(0, original.length);
    expect(got.equals(original)).toBe(true);
    // And it is speech-level audio, not silence.
    const pcm = Int16Array.from(original, (code) => ALAW_DECODE[code]!);
    expect(rms(pcm)).toBeGreaterThan(100);
  });
});
