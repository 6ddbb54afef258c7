// A small reader for classic libpcap captures (not pcapng): the UDP datagrams inside, so captured
// RTP (e.g. sipp's shipped g711a.pcap and dtmf_2833_*.pcap) can be replayed into the engine.
// Link types: Ethernet (with 802.1Q tags), Linux cooked (SLL), BSD loopback and raw IP; IPv4 and
// IPv6; IPv4 fragments other than the first are skipped.

export class PcapFormatError extends Error {
  override readonly name = 'PcapFormatError';
}

export interface PcapRecord {
  /** Capture time in ms since the epoch (µs or ns precision kept as a fraction). */
  readonly timeMs: number;
  readonly data: Buffer;
  /** The original length on the wire (data may be cut by the snapshot length). */
  readonly originalLength: number;
}

export interface PcapCapture {
  readonly linkType: number;
  readonly records: readonly PcapRecord[];
}

export interface PcapUdpDatagram {
  readonly timeMs: number;
  readonly source: { readonly address: string; readonly port: number };
  readonly destination: { readonly address: string; readonly port: number };
  readonly payload: Buffer;
}

const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_SLL = 113;

/** Splits a capture into records; throws `PcapFormatError` for anything that is not libpcap. */
export function readPcap(buf: Buffer): PcapCapture {
  if (buf.length < 24) throw new PcapFormatError(`capture is ${buf.length} bytes, shorter than the 24-byte pcap header`);
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) {
      throw new PcapFormatError(magicLE === 0x0a0d0d0a ? 'pcapng captures are not supported; convert with: editcap -F pcap in.pcapng out.pcap' : 'not a pcap capture (bad magic number)');
    }
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (at: number): number => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const linkType = u32(20) & 0x0fffffff;
  const records: PcapRecord[] = [];
  let at = 24;
  while (at < buf.length) {
    if (at + 16 > buf.length) throw new PcapFormatError(`record header at byte ${at} is cut off`);
    const seconds = u32(at);
    const fraction = u32(at + 4);
    const included = u32(at + 8);
    const original = u32(at + 12);
    if (at + 16 + included > buf.length) throw new PcapFormatError(`record at byte ${at} declares ${included} bytes, only ${buf.length - at - 16} remain`);
    records.push({
      timeMs: seconds * 1000 + (nano ? fraction / 1e6 : fraction / 1e3),
      data: buf.subarray(at + 16, at + 16 + included),
      originalLength: original,
    });
    at += 16 + included;
  }
  return { linkType, records };
}

function ipv4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ipv6(b: Buffer, at: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(at + i).toString(16));
  return parts.join(':');
}

/** The UDP datagram in one link-layer frame, or null when it holds something else. */
export function udpOfFrame(frame: Buffer, linkType: number, timeMs = 0): PcapUdpDatagram | null {
  let at: number;
  let etherType: number;
  if (linkType === LINK_ETHERNET) {
    if (frame.length < 14) return null;
    at = 12;
    etherType = frame.readUInt16BE(at);
    at += 2;
    while (etherType === 0x8100 || etherType === 0x88a8) {
      if (frame.length < at + 4) return null;
      etherType = frame.readUInt16BE(at + 2);
      at += 4;
    }
  } else if (linkType === LINK_SLL) {
    if (frame.length < 16) return null;
    etherType = frame.readUInt16BE(14);
    at = 16;
  } else if (linkType === LINK_NULL) {
    if (frame.length < 4) return null;
    const family = frame.readUInt32LE(0);
    etherType = family === 2 ? 0x0800 : 0x86dd;
    at = 4;
  } else if (linkType === LINK_RAW) {
    if (frame.length < 1) return null;
    etherType = frame[0]! >> 4 === 6 ? 0x86dd : 0x0800;
    at = 0;
  } else {
    throw new PcapFormatError(`link type ${linkType} is not supported (Ethernet, Linux cooked, loopback or raw IP)`);
  }
  let src: string;
  let dst: string;
  if (etherType === 0x0800) {
    if (frame.length < at + 20 || frame[at]! >> 4 !== 4) return null;
    const ihl = (frame[at]! & 0x0f) * 4;
    if (frame[at + 9] !== 17) return null;
    if ((frame.readUInt16BE(at + 6) & 0x1fff) !== 0) return null; // not the first fragment
    src = ipv4(frame, at + 12);
    dst = ipv4(frame, at + 16);
    at += ihl;
  } else if (etherType === 0x86dd) {
    if (frame.length < at + 40 || frame[at + 6] !== 17) return null;
    src = ipv6(frame, at + 8);
    dst = ipv6(frame, at + 24);
    at += 40;
  } else {
    return null;
  }
  if (frame.length < at + 8) return null;
  const udpLength = frame.readUInt16BE(at + 4);
  const end = Math.min(frame.length, at + Math.max(8, udpLength));
  return {
    timeMs,
    source: { address: src, port: frame.readUInt16BE(at) },
    destination: { address: dst, port: frame.readUInt16BE(at + 2) },
    payload: frame.subarray(at + 8, end),
  };
}

/** Every UDP datagram of a capture, in capture order. */
export function readPcapUdp(buf: Buffer): PcapUdpDatagram[] {
  const capture = readPcap(buf);
  const out: PcapUdpDatagram[] = [];
  for (const record of capture.records) {
    const udp = udpOfFrame(record.data, capture.linkType, record.timeMs);
    if (udp) out.push(udp);
  }
  return out;
}
