import { PcapFormatError, readPcap, readPcapUdp, udpOfFrame } from './pcap-reader';

function globalHeader(linkType: number, magic = 0xa1b2c3d4): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(magic, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(65535, 16);
  h.writeUInt32LE(linkType, 20);
  return h;
}

function record(data: Buffer, seconds = 1, micros = 500): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(seconds, 0);
  h.writeUInt32LE(micros, 4);
  h.writeUInt32LE(data.length, 8);
  h.writeUInt32LE(data.length, 12);
  return Buffer.concat([h, data]);
}

function ipv4Udp(payload: Buffer, fragmentOffset = 0): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip.writeUInt16BE(fragmentOffset, 6);
  ip[9] = 17;
  Buffer.from([10, 0, 0, 1]).copy(ip, 12);
  Buffer.from([10, 0, 0, 2]).copy(ip, 16);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(5004, 0);
  udp.writeUInt16BE(6000, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([ip, udp, payload]);
}

function ethernet(ip: Buffer, vlan = false): Buffer {
  const eth = Buffer.alloc(vlan ? 18 : 14);
  if (vlan) {
    eth.writeUInt16BE(0x8100, 12);
    eth.writeUInt16BE(0x0800, 16);
  } else {
    eth.writeUInt16BE(0x0800, 12);
  }
  return Buffer.concat([eth, ip]);
}

describe('pcap reader', () => {
  it('extracts UDP payloads with addresses, ports and times from Ethernet frames (VLAN too)', () => {
    const capture = Buffer.concat([
      globalHeader(1),
      record(ethernet(ipv4Udp(Buffer.from('hello')))),
      record(ethernet(ipv4Udp(Buffer.from('tagged')), true), 2, 0),
      record(ethernet(ipv4Udp(Buffer.from('frag')), false).fill(0, 14 + 6, 14 + 8).fill(0x20, 14 + 7, 14 + 8)),
    ]);
    const udp = readPcapUdp(capture);
    expect(udp.map((u) => u.payload.toString())).toEqual(['hello', 'tagged']);
    expect(udp[0]).toMatchObject({ timeMs: 1000.5, source: { address: '10.0.0.1', port: 5004 }, destination: { address: '10.0.0.2', port: 6000 } });
  });

  it('reads raw-IP and big-endian nanosecond captures', () => {
    const be = globalHeader(101);
    be.writeUInt32BE(0xa1b23c4d, 0);
    be.writeUInt32BE(101, 20);
    const rec = Buffer.alloc(16);
    const ip = ipv4Udp(Buffer.from('x'));
    rec.writeUInt32BE(2, 0);
    rec.writeUInt32BE(1_000_000, 4);
    rec.writeUInt32BE(ip.length, 8);
    rec.writeUInt32BE(ip.length, 12);
    const udp = readPcapUdp(Buffer.concat([be, rec, ip]));
    expect(udp).toHaveLength(1);
    expect(udp[0]!.timeMs).toBe(2001);
  });

  it('throws PcapFormatError for a bad file, never a RangeError', () => {
    expect(() => readPcap(Buffer.alloc(10))).toThrow(PcapFormatError);
    expect(() => readPcap(Buffer.alloc(24))).toThrow(/bad magic/);
    const ng = Buffer.alloc(24);
    ng.writeUInt32LE(0x0a0d0d0a, 0);
    expect(() => readPcap(ng)).toThrow(/pcapng/);
    const cut = Buffer.concat([globalHeader(1), record(Buffer.alloc(40))]).subarray(0, 50);
    expect(() => readPcap(cut)).toThrow(/declares 40 bytes/);
    expect(() => readPcapUdp(Buffer.concat([globalHeader(9), record(Buffer.alloc(4))]))).toThrow(/link type 9/);
    for (let n = 0; n < 300; n++) {
      const junk = Buffer.from(Array.from({ length: n % 64 }, (_, i) => (i * 31 + n) & 0xff));
      for (const link of [0, 1, 101, 113]) expect(() => udpOfFrame(junk, link)).not.toThrow();
    }
  });
});
