// The engine in two worker threads: calls spread over the workers, media flows from each, events
// (digits, playback) come back to the main thread, and the pool shuts down cleanly.
import dgram from 'node:dgram';
import { decodeToPcm, dominantFrequency, type MediaEngineEvent, MediaWorkerPool, parseRtp, type RtpPacket, serializeRtp, splitPortRange } from '../src';

// Below the ephemeral range (32768+), so no unrelated socket holds them.
const BASE = 31000 + (process.pid % 2) * 80;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('MediaWorkerPool (2 worker threads)', () => {
  let pool: MediaWorkerPool;
  const sockets: dgram.Socket[] = [];
  const events: MediaEngineEvent[] = [];
  beforeAll(async () => {
    pool = await MediaWorkerPool.start({ workers: 2, bindAddress: '127.0.0.1', portMin: BASE, portMax: BASE + 79, jitter: { depthMs: 40, mode: 'fixed' } });
    pool.on('event', (e) => events.push(e));
  }, 30_000);
  afterAll(async () => {
    await pool?.close();
    for (const s of sockets) s.close();
  });

  it('splits the port range into even, disjoint slices', () => {
    expect(splitPortRange(20000, 29999, 2)).toEqual([
      { min: 20000, max: 24999 },
      { min: 25000, max: 29999 },
    ]);
    expect(() => splitPortRange(20000, 20003, 4)).toThrow(/too small/);
  });

  it('spreads calls over the workers; each plays, receives digits and hangs up', async () => {
    const phones: { socket: dgram.Socket; got: RtpPacket[]; port: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
      sockets.push(socket);
      const got: RtpPacket[] = [];
      socket.on('message', (m) => got.push(parseRtp(m)));
      phones.push({ socket, got, port: socket.address().port });
    }
    const legs = [];
    for (let i = 0; i < 4; i++) {
      await pool.createCall(`call-${i}`);
      legs.push(await pool.createLeg(`call-${i}`, 'caller', { codec: 'pcmu', telephoneEventPt: 101, remote: { address: '127.0.0.1', port: phones[i]!.port } }));
    }
    const stats = await pool.stats();
    expect(stats.workers.map((w) => w?.calls)).toEqual([2, 2]);
    expect(stats).toMatchObject({ calls: 4, legs: 4 });
    // Ports come from each worker's own slice.
    const ports = legs.map((l) => l.port);
    expect(new Set(ports).size).toBe(4);
    expect(ports.some((p) => p < BASE + 40) && ports.some((p) => p >= BASE + 40)).toBe(true);

    for (let i = 0; i < 4; i++) await pool.play(`call-${i}`, 'caller', { kind: 'tone', pattern: 'busyUs' });
    // Busy tone (480 + 620 Hz) reaches every phone, from both workers.
    const hearsBusyTone = (phone: (typeof phones)[number]): boolean =>
      phone.got.some((p) => p.payloadType === 0 && dominantFrequency(decodeToPcm('pcmu', p.payload), [480]).amplitude > 2000);
    await until(() => phones.every(hearsBusyTone));

    const legOfCall3 = legs[3]!;
    for (const hex of ['0b0a00a0', '0b8a0320', '0b8a0320', '0b8a0320']) {
      phones[3]!.socket.send(serializeRtp({ payloadType: 101, sequenceNumber: 1, timestamp: 160, ssrc: 3 }, Buffer.from(hex, 'hex')), legOfCall3.port, '127.0.0.1');
    }
    await until(() => events.some((e) => e.type === 'digit'));
    expect(events).toContainEqual({ type: 'digit', callId: 'call-3', legId: 'caller', digit: '#', durationMs: 100 });

    await expect(pool.bridge('no-such-call')).rejects.toThrow(/no media for call "no-such-call"/);
    await expect(pool.createLeg('call-0', 'caller', { codec: 'pcmu' })).rejects.toThrow(/already has a leg/);

    for (let i = 0; i < 4; i++) expect(await pool.hangup(`call-${i}`)).toEqual({ recording: null });
    const after = await pool.stats();
    expect(after).toMatchObject({ calls: 0, legs: 0 });
    expect(after.portsAvailable).toBe(stats.portsAvailable + 4);
  });
});
