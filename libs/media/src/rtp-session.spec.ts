import dgram from 'node:dgram';
import { once } from 'node:events';
import { PortPool } from './port-pool';
import { parseRtp, serializeRtp } from './rtp-packet';
import { RtpBindError, type RtpEndpoint, RtpSession } from './rtp-session';

// Below the ephemeral range (32768+), so no unrelated socket holds them.
const BASE = 30000 + (process.pid % 4) * 40;

async function rawSocket(address = '127.0.0.1'): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return socket;
}

function rtp(seq: number, ssrc = 0x1234, payload = Buffer.alloc(160, 0xff), timestamp = seq * 160): Buffer {
  return serializeRtp({ payloadType: 0, sequenceNumber: seq, timestamp, ssrc }, payload);
}

function endpoint(socket: dgram.Socket): RtpEndpoint {
  const a = socket.address();
  return { address: a.address, port: a.port };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('RtpSession', () => {
  let pool: PortPool;
  const open: (RtpSession | dgram.Socket)[] = [];
  beforeEach(() => {
    pool = new PortPool({ min: BASE, max: BASE + 39 });
  });
  afterEach(async () => {
    for (const s of open.splice(0)) {
      if (s instanceof RtpSession) await s.close();
      else s.close();
    }
  });
  const track = <T extends RtpSession | dgram.Socket>(s: T): T => {
    open.push(s);
    return s;
  };

  it('binds an even pool port and gives it back on close', async () => {
    const session = await RtpSession.open({ pool, bindAddress: '127.0.0.1' });
    expect(session.localPort).toBe(BASE);
    expect(pool.holds(BASE)).toBe(true);
    await session.close();
    await session.close();
    expect(pool.holds(BASE)).toBe(false);
  });

  it('skips a pool port another process holds', async () => {
    let held = BASE;
    // Squat on the first even port of the range that is free, then start the pool there.
    for (; ; held += 2) {
      const squatter = dgram.createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        squatter.once('error', () => resolve(false));
        squatter.bind(held, '127.0.0.1', () => resolve(true));
      });
      if (ok) {
        track(squatter);
        break;
      }
      squatter.close();
      if (held > BASE + 30) throw new Error('no free port to squat on');
    }
    const from = new PortPool({ min: held, max: BASE + 39 });
    const session = track(await RtpSession.open({ pool: from, bindAddress: '127.0.0.1' }));
    expect(session.localPort).toBeGreaterThan(held);
    expect(from.holds(held)).toBe(false);
  });

  it('refuses a bind address that is not an IP', async () => {
    await expect(RtpSession.open({ pool, bindAddress: 'localhost' })).rejects.toThrow(RtpBindError);
  });

  it('sends with its own SSRC, increasing sequence numbers and frame timestamps', async () => {
    const peer = track(await rawSocket());
    const session = track(await RtpSession.open({ pool, bindAddress: '127.0.0.1', remote: endpoint(peer), payloadType: 8 }));
    const got: Buffer[] = [];
    peer.on('message', (m) => got.push(m));
    const payload = Buffer.alloc(160, 0xd5);
    session.sendFrame(payload, 160, true);
    session.sendFrame(payload);
    session.send(Buffer.from([1, 0x0a, 0, 160]), true, 101, 777);
    await until(() => got.length === 3);
    const [a, b, c] = got.map(parseRtp);
    expect(a).toMatchObject({ ssrc: session.ssrc, payloadType: 8, marker: true });
    expect(b!.sequenceNumber).toBe((a!.sequenceNumber + 1) & 0xffff);
    expect(b!.timestamp).toBe((a!.timestamp + 160) >>> 0);
    expect(c).toMatchObject({ payloadType: 101, timestamp: 777, marker: true });
    expect([...c!.payload]).toEqual([1, 0x0a, 0, 160]);
    expect(a!.payload.equals(payload)).toBe(true);
    expect(session.getStats().sent).toEqual({ packets: 3, bytes: 324 });
  });

  it('cannot send before it knows a remote', async () => {
    const session = track(await RtpSession.open({ pool, bindAddress: '127.0.0.1' }));
    expect(session.sendFrame(Buffer.alloc(160))).toBe(false);
  });

  it('latches onto the first packet when the SDP address is unspecified, then only hears that source', async () => {
    const peer = track(await rawSocket());
    const intruder = track(await rawSocket('127.0.0.2'));
    const session = track(await RtpSession.open({ pool, bindAddress: '127.0.0.1', remote: { address: '0.0.0.0', port: 9 } }));
    const ssrcs: number[] = [];
    session.on('rtp', (p) => ssrcs.push(p.ssrc));
    const latched = once(session, 'latched');
    peer.send(rtp(1), session.localPort, '127.0.0.1');
    expect((await latched)[0]).toEqual(endpoint(peer));
    expect(session.isConnected).toBe(true); // the kernel now filters other sources
    intruder.send(rtp(2, 0x9999), session.localPort, '127.0.0.1');
    peer.send(rtp(2), session.localPort, '127.0.0.1');
    await until(() => session.getStats().receivedTotal.packets === 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(ssrcs).toEqual([0x1234, 0x1234]);
    const echoed = once(peer, 'message');
    session.sendFrame(Buffer.alloc(160));
    expect(parseRtp((await echoed)[0] as Buffer).ssrc).toBe(session.ssrc);
  });

  it('keeps a usable SDP address, drops packets from other addresses, and settles once the peer confirms it', async () => {
    const peer = track(await rawSocket());
    const intruder = track(await rawSocket('127.0.0.2'));
    const session = track(await RtpSession.open({ pool, bindAddress: '127.0.0.1', remote: endpoint(peer) }));
    const seen: number[] = [];
    let latchEvents = 0;
    session.on('latched', () => latchEvents++);
    session.on('rtp', (p) => seen.push(p.ssrc));
    intruder.send(rtp(1, 0x9999), session.localPort, '127.0.0.1');
    await until(() => session.getStats().foreign === 1);
    expect(session.isConnected).toBe(false);
    peer.send(rtp(1, 0x1111), session.localPort, '127.0.0.1');
    await until(() => seen.length === 1);
    expect(seen).toEqual([0x1111]);
    expect(session.remote).toEqual(endpoint(peer));
    expect(latchEvents).toBe(0);
    expect(session.isConnected).toBe(true);
    session.setRemote({ address: '127.0.0.1', port: 9 }); // a re-INVITE moves the media
    expect(session.isConnected).toBe(false);
    expect(session.isLatched).toBe(false);
  });

  it('counts ICMP port unreachable from a vanished peer instead of raising errors', async () => {
    const peer = await rawSocket();
    const session = track(await RtpSession.open({ pool, bindAddress: '127.0.0.1' }));
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    peer.send(rtp(1), session.localPort, '127.0.0.1');
    await until(() => session.isConnected);
    peer.close(); // the phone hung up without a BYE
    for (let i = 0; i < 5; i++) {
      session.sendFrame(Buffer.alloc(160));
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => session.getStats().unreachable > 0);
    expect(errors).toEqual([]);
  });

  it("with latching 'always' follows the packet source even when the SDP address looked fine", async () => {
    const peer = track(await rawSocket('127.0.0.2'));
    const session = track(await RtpSession.open({ pool, bindAddress: '127.0.0.1', remote: { address: '127.0.0.1', port: 5 }, latching: 'always' }));
    peer.send(rtp(1), session.localPort, '127.0.0.1');
    await until(() => session.isLatched);
    expect(session.remote).toEqual(endpoint(peer));
  });

  it('counts RTCP, malformed packets, loss and SSRC changes', async () => {
    const peer = track(await rawSocket());
    const session = track(await RtpSession.open({ pool, bindAddress: '127.0.0.1' }));
    const changes: number[] = [];
    session.on('ssrc-change', (s) => changes.push(s));
    const rtcp: Buffer[] = [];
    session.on('rtcp', (p) => rtcp.push(p));
    const port = session.localPort;
    peer.send(Buffer.from('81c90001deadbeef', 'hex'), port, '127.0.0.1');
    peer.send(Buffer.from('garbage!'), port, '127.0.0.1');
    for (const seq of [10, 11, 13, 14]) peer.send(rtp(seq), port, '127.0.0.1');
    await until(() => session.getStats().receivedTotal.packets === 4);
    expect(session.getStats()).toMatchObject({ rtcpPackets: 1, malformed: 1, received: { packets: 4, lost: 1 }, remoteSsrc: 0x1234 });
    expect(rtcp).toHaveLength(1);
    peer.send(rtp(500, 0x5678), port, '127.0.0.1');
    await until(() => changes.length === 1);
    expect(changes).toEqual([0x5678]);
    expect(session.getStats()).toMatchObject({ ssrcChanges: 1, received: { packets: 1, lost: 0 } });
  });

  it("emits 'inactive' once after the timeout without RTP, and 'active' when it returns", async () => {
    const peer = track(await rawSocket());
    const session = track(await RtpSession.open({ pool, bindAddress: '127.0.0.1', inactivityTimeoutMs: 150 }));
    let inactive = 0;
    session.on('inactive', () => inactive++);
    const started = Date.now();
    peer.send(rtp(1), session.localPort, '127.0.0.1');
    await until(() => inactive === 1, 1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await new Promise((r) => setTimeout(r, 300));
    expect(inactive).toBe(1);
    const active = once(session, 'active');
    peer.send(rtp(2), session.localPort, '127.0.0.1');
    await active;
    session.setInactivityTimeout(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(inactive).toBe(1);
  });
});
