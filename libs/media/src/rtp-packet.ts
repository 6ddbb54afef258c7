// RTP (RFC 3550 §5.1) parse and serialize, and recognition of RTCP multiplexed on the RTP port
// (RFC 5761 §4). Hostile input never throws anything but `RtpParseError` / `RtcpParseError`;
// the hot path (`readRtp`) does not throw or allocate at all: it returns the reason instead.

export const RTP_VERSION = 2;
export const RTP_HEADER_SIZE = 12;
/** Largest datagram a session accepts and the largest payload it sends in one packet. */
export const RTP_MAX_PACKET_SIZE = 1500;

/** Why bytes are not a usable RTP packet. */
export type RtpParseFailure =
  | 'too-short'
  | 'bad-version'
  | 'rtcp'
  | 'truncated-csrc'
  | 'truncated-extension'
  | 'bad-padding';

const FAILURE_TEXT: Record<RtpParseFailure, string> = {
  'too-short': 'shorter than the 12-byte RTP header',
  'bad-version': 'version is not 2',
  rtcp: 'an RTCP packet (second octet 192-223, RFC 5761), not RTP',
  'truncated-csrc': 'the CSRC list runs past the end of the packet',
  'truncated-extension': 'the header extension runs past the end of the packet',
  'bad-padding': 'the padding count is 0 or larger than the payload',
};

const EMPTY = Buffer.alloc(0);

export class RtpParseError extends Error {
  override readonly name = 'RtpParseError';

  constructor(
    readonly reason: RtpParseFailure,
    readonly length: number,
  ) {
    super(`invalid RTP packet (${length} bytes): ${FAILURE_TEXT[reason]}`);
  }
}

/**
 * A reusable, mutable view of one RTP packet: `readRtp` fills it without copying or allocating.
 * The payload is `buffer[payloadOffset, payloadOffset + payloadLength)`; it stays valid only as
 * long as `buffer` is not reused (for a dgram message: until the next message is parsed into it).
 */
export class RtpView {
  buffer: Buffer = EMPTY;
  padding = false;
  paddingLength = 0;
  extension = false;
  extensionProfile = 0;
  extensionOffset = 0;
  extensionLength = 0;
  csrcCount = 0;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  payloadOffset = 0;
  payloadLength = 0;

  /** CSRC number `index` (0-based, below `csrcCount`). */
  csrc(index: number): number {
    return this.buffer.readUInt32BE(RTP_HEADER_SIZE + index * 4);
  }

  /** The payload as a view on the packet's bytes (allocates the view object, never the bytes). */
  get payload(): Buffer {
    return this.buffer.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }
}

/**
 * True when the datagram is RTCP rather than RTP on a multiplexed port: RFC 5761 §4 — the second
 * octet (marker + payload type) is in 192..223, i.e. RTCP packet types 192-223 (SR 200, RR 201 ...).
 */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 2) return false;
  const b1 = buf[1]!;
  return b1 >= 192 && b1 <= 223;
}

/** Parses `buf` into `into` (no copy, no allocation). Returns null on success, else why it failed. */
export function readRtp(buf: Buffer, into: RtpView): RtpParseFailure | null {
  const length = buf.length;
  if (length < RTP_HEADER_SIZE) return 'too-short';
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) return 'bad-version';
  const b1 = buf[1]!;
  if (b1 >= 192 && b1 <= 223) return 'rtcp';
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + csrcCount * 4;
  if (offset > length) return 'truncated-csrc';
  const extension = (b0 & 0x10) !== 0;
  let extensionProfile = 0;
  let extensionOffset = 0;
  let extensionLength = 0;
  if (extension) {
    if (offset + 4 > length) return 'truncated-extension';
    extensionProfile = (buf[offset]! << 8) | buf[offset + 1]!;
    extensionLength = ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
    extensionOffset = offset + 4;
    offset = extensionOffset + extensionLength;
    if (offset > length) return 'truncated-extension';
  }
  const padding = (b0 & 0x20) !== 0;
  let paddingLength = 0;
  if (padding) {
    paddingLength = buf[length - 1]!;
    if (paddingLength === 0 || offset + paddingLength > length) return 'bad-padding';
  }
  into.buffer = buf;
  into.padding = padding;
  into.paddingLength = paddingLength;
  into.extension = extension;
  into.extensionProfile = extensionProfile;
  into.extensionOffset = extensionOffset;
  into.extensionLength = extensionLength;
  into.csrcCount = csrcCount;
  into.marker = (b1 & 0x80) !== 0;
  into.payloadType = b1 & 0x7f;
  into.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  into.timestamp = buf.readUInt32BE(4);
  into.ssrc = buf.readUInt32BE(8);
  into.payloadOffset = offset;
  into.payloadLength = length - offset - paddingLength;
  return null;
}

/** An RTP header extension (RFC 3550 §5.3.1): the profile-defined 16 bits and the extension words. */
export interface RtpHeaderExtension {
  readonly profile: number;
  /** A multiple of 4 bytes. */
  readonly data: Uint8Array;
}

/** A parsed RTP packet as plain data (the payload and extension data are views, not copies). */
export interface RtpPacket {
  readonly version: 2;
  readonly padding: boolean;
  readonly extension: RtpHeaderExtension | null;
  readonly csrcs: readonly number[];
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Buffer;
}

/** Parses one RTP packet; throws `RtpParseError` (and nothing else) when it is not valid RTP. */
export function parseRtp(buf: Buffer): RtpPacket {
  const view = new RtpView();
  const failure = readRtp(buf, view);
  if (failure) throw new RtpParseError(failure, buf.length);
  const csrcs: number[] = [];
  for (let i = 0; i < view.csrcCount; i++) csrcs.push(view.csrc(i));
  return {
    version: RTP_VERSION,
    padding: view.padding,
    extension: view.extension
      ? { profile: view.extensionProfile, data: buf.subarray(view.extensionOffset, view.extensionOffset + view.extensionLength) }
      : null,
    csrcs,
    marker: view.marker,
    payloadType: view.payloadType,
    sequenceNumber: view.sequenceNumber,
    timestamp: view.timestamp,
    ssrc: view.ssrc,
    payload: view.payload,
  };
}

/** The header fields a sender chooses. */
export interface RtpHeaderFields {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  readonly extension?: RtpHeaderExtension | null;
  /** Pad the packet to a multiple of this many bytes (e.g. 4 for SRTP block ciphers); 0/undefined = none. */
  readonly padTo?: number;
}

export class RtpSerializeError extends Error {
  override readonly name = 'RtpSerializeError';
}

/** Bytes `writeRtp` needs for these fields and this payload. */
export function rtpPacketSize(fields: RtpHeaderFields, payloadLength: number): number {
  const csrcs = fields.csrcs?.length ?? 0;
  const ext = fields.extension ? 4 + fields.extension.data.length : 0;
  const unpadded = RTP_HEADER_SIZE + csrcs * 4 + ext + payloadLength;
  const padTo = fields.padTo ?? 0;
  return padTo > 1 && unpadded % padTo !== 0 ? unpadded + (padTo - (unpadded % padTo)) : unpadded;
}

/**
 * Writes header + payload into `out` at `offset` and returns the number of bytes written.
 * Throws `RtpSerializeError` for fields out of range or an `out` that is too small.
 */
export function writeRtp(out: Buffer, offset: number, fields: RtpHeaderFields, payload: Uint8Array): number {
  const csrcs = fields.csrcs ?? [];
  if (csrcs.length > 15) throw new RtpSerializeError(`at most 15 CSRCs, got ${csrcs.length}`);
  if (!Number.isInteger(fields.payloadType) || fields.payloadType < 0 || fields.payloadType > 127) {
    throw new RtpSerializeError(`payload type must be 0-127, got ${fields.payloadType}`);
  }
  const ext = fields.extension ?? null;
  if (ext && (ext.data.length % 4 !== 0 || ext.data.length > 0xffff * 4)) {
    throw new RtpSerializeError(`header extension data must be a multiple of 4 bytes, got ${ext.data.length}`);
  }
  const size = rtpPacketSize(fields, payload.length);
  if (offset < 0 || offset + size > out.length) {
    throw new RtpSerializeError(`need ${size} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  const unpadded = RTP_HEADER_SIZE + csrcs.length * 4 + (ext ? 4 + ext.data.length : 0) + payload.length;
  const paddingLength = size - unpadded;
  out[offset] = (RTP_VERSION << 6) | (paddingLength > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[offset + 1] = (fields.marker ? 0x80 : 0) | fields.payloadType;
  out.writeUInt16BE(fields.sequenceNumber & 0xffff, offset + 2);
  out.writeUInt32BE(fields.timestamp >>> 0, offset + 4);
  out.writeUInt32BE(fields.ssrc >>> 0, offset + 8);
  let at = offset + RTP_HEADER_SIZE;
  for (const csrc of csrcs) {
    out.writeUInt32BE(csrc >>> 0, at);
    at += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile & 0xffff, at);
    out.writeUInt16BE(ext.data.length / 4, at + 2);
    out.set(ext.data, at + 4);
    at += 4 + ext.data.length;
  }
  out.set(payload, at);
  at += payload.length;
  if (paddingLength > 0) {
    out.fill(0, at, at + paddingLength - 1);
    out[at + paddingLength - 1] = paddingLength;
  }
  return size;
}

/** Serializes into a new Buffer (convenience; senders on the hot path reuse a buffer with `writeRtp`). */
export function serializeRtp(fields: RtpHeaderFields, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(rtpPacketSize(fields, payload.length));
  writeRtp(out, 0, fields, payload);
  return out;
}

/**
 * Writes the fixed 12-byte header of a plain packet (no CSRC, extension or padding) — the send hot
 * path, with no checks beyond what the caller guarantees (payload type 0-127).
 */
export function writeRtpHeader(
  out: Buffer,
  marker: boolean,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
): void {
  out[0] = 0x80;
  out[1] = (marker ? 0x80 : 0) | payloadType;
  out[2] = (sequenceNumber >> 8) & 0xff;
  out[3] = sequenceNumber & 0xff;
  out.writeUInt32BE(timestamp >>> 0, 4);
  out.writeUInt32BE(ssrc >>> 0, 8);
}

// ---- RTCP (RFC 3550 §6): recognised and summarised, not generated ----

export type RtcpPacketType = 'SR' | 'RR' | 'SDES' | 'BYE' | 'APP' | 'RTPFB' | 'PSFB' | 'XR' | 'other';

const RTCP_TYPES: Record<number, RtcpPacketType> = {
  200: 'SR',
  201: 'RR',
  202: 'SDES',
  203: 'BYE',
  204: 'APP',
  205: 'RTPFB',
  206: 'PSFB',
  207: 'XR',
};

/** One packet of an RTCP compound packet. */
export interface RtcpPacketSummary {
  readonly type: RtcpPacketType;
  readonly packetType: number;
  /** Report count / source count / subtype (the 5 bits after P). */
  readonly count: number;
  /** SSRC of the sender (0 when the packet is too short to carry one). */
  readonly ssrc: number;
  /** Length in bytes including the 4-byte header. */
  readonly length: number;
}

export class RtcpParseError extends Error {
  override readonly name = 'RtcpParseError';
}

/** Splits an RTCP compound packet and checks each length; throws `RtcpParseError` when malformed. */
export function parseRtcp(buf: Uint8Array): RtcpPacketSummary[] {
  const packets: RtcpPacketSummary[] = [];
  let at = 0;
  if (buf.length < 4) throw new RtcpParseError(`RTCP packet of ${buf.length} bytes is shorter than its 4-byte header`);
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new RtcpParseError(`trailing ${buf.length - at} bytes after the last RTCP packet`);
    const b0 = buf[at]!;
    if (b0 >> 6 !== RTP_VERSION) throw new RtcpParseError(`RTCP packet at byte ${at}: version is not 2`);
    const packetType = buf[at + 1]!;
    const length = (((buf[at + 2]! << 8) | buf[at + 3]!) + 1) * 4;
    if (at + length > buf.length) {
      throw new RtcpParseError(`RTCP packet at byte ${at} declares ${length} bytes, only ${buf.length - at} remain`);
    }
    const ssrc = length >= 8 ? ((buf[at + 4]! << 24) | (buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!) >>> 0 : 0;
    packets.push({ type: RTCP_TYPES[packetType] ?? 'other', packetType, count: b0 & 0x1f, ssrc, length });
    at += length;
  }
  return packets;
}
