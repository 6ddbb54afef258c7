import fc from 'fast-check';
import {
  isRtcp,
  parseRtcp,
  parseRtp,
  readRtp,
  RtcpParseError,
  RtpParseError,
  RtpSerializeError,
  RtpView,
  serializeRtp,
  writeRtp,
  writeRtpHeader,
} from './rtp-packet';

// A real PCMU packet header: V=2, M=1, PT=0, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304.
const header = Buffer.from('8080' + '1234' + 'deadbeef' + '01020304', 'hex');

describe('parseRtp', () => {
  it('reads every fixed header field and gives the payload as a view on the same bytes', () => {
    const packet = Buffer.concat([header, Buffer.from([1, 2, 3])]);
    const parsed = parseRtp(packet);
    expect(parsed).toMatchObject({
      version: 2,
      padding: false,
      extension: null,
      csrcs: [],
      marker: true,
      payloadType: 0,
      sequenceNumber: 0x1234,
      timestamp: 0xdeadbeef,
      ssrc: 0x01020304,
    });
    expect([...parsed.payload]).toEqual([1, 2, 3]);
    packet[12] = 9;
    expect(parsed.payload[0]).toBe(9); // a view, not a copy
  });

  it('skips CSRCs, the header extension and the padding', () => {
    const bytes = serializeRtp(
      {
        payloadType: 8,
        sequenceNumber: 65535,
        timestamp: 1,
        ssrc: 0xffffffff,
        csrcs: [7, 0x80000000],
        extension: { profile: 0xbede, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
        padTo: 4,
      },
      Buffer.from([0xd5, 0xd5, 0xd5]),
    );
    expect(bytes.length % 4).toBe(0);
    const parsed = parseRtp(bytes);
    expect(parsed.csrcs).toEqual([7, 0x80000000]);
    expect(parsed.extension?.profile).toBe(0xbede);
    expect([...parsed.extension!.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parsed.padding).toBe(true);
    expect([...parsed.payload]).toEqual([0xd5, 0xd5, 0xd5]);
    expect(parsed.ssrc).toBe(0xffffffff);
    expect(parsed.sequenceNumber).toBe(65535);
  });

  it.each([
    ['too-short', Buffer.from('80000001', 'hex')],
    ['bad-version', Buffer.concat([Buffer.from('40'), header.subarray(1)])],
    ['rtcp', Buffer.from('80c8000600000001000000000000000000000000000000000000000000000000', 'hex')],
    ['truncated-csrc', Buffer.concat([Buffer.from([0x83]), header.subarray(1), Buffer.alloc(8)])],
    ['truncated-extension', Buffer.concat([Buffer.from([0x90]), header.subarray(1), Buffer.from('bede0002', 'hex'), Buffer.alloc(4)])],
    ['bad-padding', Buffer.concat([Buffer.from([0xa0]), header.subarray(1), Buffer.from([1, 2, 0])])],
    ['bad-padding', Buffer.concat([Buffer.from([0xa0]), header.subarray(1), Buffer.from([1, 2, 9])])],
  ])('rejects a packet that is %s with a typed error', (reason, bytes) => {
    expect(() => parseRtp(bytes)).toThrow(RtpParseError);
    try {
      parseRtp(bytes);
    } catch (e) {
      expect((e as RtpParseError).reason).toBe(reason);
    }
  });

  it('never throws anything but RtpParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (raw) => {
        try {
          const parsed = parseRtp(Buffer.from(raw));
          expect(parsed.payload.length).toBeGreaterThanOrEqual(0);
        } catch (e) {
          expect(e).toBeInstanceOf(RtpParseError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips any header through serializeRtp', () => {
    fc.assert(
      fc.property(
        fc.record({
          marker: fc.boolean(),
          payloadType: fc.integer({ min: 0, max: 127 }).filter((pt) => pt < 64 || pt > 95),
          sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
          timestamp: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.integer({ min: 0, max: 0xffffffff }),
          csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
        }),
        fc.uint8Array({ maxLength: 200 }),
        (fields, payload) => {
          const parsed = parseRtp(serializeRtp(fields, payload));
          expect(parsed).toMatchObject(fields);
          expect(Buffer.compare(parsed.payload, Buffer.from(payload))).toBe(0);
        },
      ),
    );
  });
});

describe('readRtp (hot path)', () => {
  it('returns the failure instead of throwing, and reuses the view', () => {
    const view = new RtpView();
    expect(readRtp(Buffer.alloc(3), view)).toBe('too-short');
    const packet = Buffer.concat([header, Buffer.alloc(160, 0xff)]);
    expect(readRtp(packet, view)).toBeNull();
    expect(view.payloadOffset).toBe(12);
    expect(view.payloadLength).toBe(160);
    expect(view.sequenceNumber).toBe(0x1234);
  });
});

describe('writeRtpHeader / writeRtp', () => {
  it('writes the same fixed header as serializeRtp', () => {
    const a = Buffer.alloc(12);
    writeRtpHeader(a, true, 101, 70000, 2 ** 32 + 5, 42);
    const b = serializeRtp({ marker: true, payloadType: 101, sequenceNumber: 70000 & 0xffff, timestamp: 5, ssrc: 42 }, Buffer.alloc(0));
    expect(a.equals(b)).toBe(true);
  });

  it('refuses fields it cannot encode with RtpSerializeError', () => {
    const out = Buffer.alloc(100);
    expect(() => writeRtp(out, 0, { payloadType: 128, sequenceNumber: 0, timestamp: 0, ssrc: 0 }, Buffer.alloc(1))).toThrow(RtpSerializeError);
    expect(() => writeRtp(out, 95, { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 }, Buffer.alloc(1))).toThrow(/need 13 bytes/);
    expect(() =>
      writeRtp(out, 0, { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, extension: { profile: 1, data: Buffer.alloc(3) } }, Buffer.alloc(1)),
    ).toThrow(/multiple of 4/);
  });
});

describe('RTCP on the RTP port (RFC 5761)', () => {
  const sr = Buffer.from('80c80006' + '00000001' + '0'.repeat(40), 'hex');
  const rr = Buffer.from('81c90007' + '00000002' + '0'.repeat(48), 'hex');

  it('recognises RTCP packet types 192-223 and not RTP payload types', () => {
    expect(isRtcp(sr)).toBe(true);
    expect(isRtcp(rr)).toBe(true);
    expect(isRtcp(header)).toBe(false);
    expect(isRtcp(Buffer.from([0x80, 0x65]))).toBe(false); // PT 101 telephone-event
    expect(isRtcp(Buffer.from([0x80]))).toBe(false);
  });

  it('splits a compound packet and checks each length', () => {
    expect(parseRtcp(Buffer.concat([sr, rr]))).toEqual([
      { type: 'SR', packetType: 200, count: 0, ssrc: 1, length: 28 },
      { type: 'RR', packetType: 201, count: 1, ssrc: 2, length: 32 },
    ]);
    expect(() => parseRtcp(sr.subarray(0, 20))).toThrow(RtcpParseError);
    expect(() => parseRtcp(Buffer.concat([sr, Buffer.from([0x80])]))).toThrow(/trailing 1 bytes/);
  });

  it('never throws anything but RtcpParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        try {
          parseRtcp(raw);
        } catch (e) {
          expect(e).toBeInstanceOf(RtcpParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
