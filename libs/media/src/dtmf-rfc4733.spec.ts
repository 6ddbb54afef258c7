import {
  digitOfEvent,
  DtmfDigitError,
  type DtmfDigitEvent,
  dtmfPacketPlan,
  DtmfReceiver,
  DtmfSender,
  eventOfDigit,
  parseTelephoneEvent,
} from './dtmf-rfc4733';

function payload(event: number, end: boolean, duration: number, volume = 10): Buffer {
  return Buffer.from([event, (end ? 0x80 : 0) | volume, duration >> 8, duration & 0xff]);
}

function receiver(): { rx: DtmfReceiver; digits: DtmfDigitEvent[]; starts: string[] } {
  const digits: DtmfDigitEvent[] = [];
  const starts: string[] = [];
  const rx = new DtmfReceiver({ onDigit: (d) => digits.push(d), onStart: (d) => starts.push(d) });
  return { rx, digits, starts };
}

describe('event codes', () => {
  it('maps 0-15 to 0-9 * # A-D and nothing else', () => {
    expect([...Array(16).keys()].map((e) => digitOfEvent(e)).join('')).toBe('0123456789*#ABCD');
    expect(digitOfEvent(16)).toBeNull();
    expect(eventOfDigit('#')).toBe(11);
    expect(eventOfDigit('d')).toBe(15);
    expect(() => eventOfDigit('E')).toThrow(DtmfDigitError);
    expect(() => eventOfDigit('12')).toThrow(DtmfDigitError);
  });

  it('parses the payload fields', () => {
    expect(parseTelephoneEvent(payload(5, true, 800, 7))).toEqual({ event: 5, end: true, volume: 7, duration: 800 });
    expect(parseTelephoneEvent(Buffer.alloc(3))).toBeNull();
  });
});

describe('DtmfReceiver', () => {
  it('reports a digit once although its end packet comes three times', () => {
    const { rx, digits, starts } = receiver();
    rx.push(1000, payload(1, false, 160), true);
    rx.push(1000, payload(1, false, 320));
    rx.push(1000, payload(1, false, 480));
    for (let i = 0; i < 3; i++) rx.push(1000, payload(1, true, 800));
    expect(starts).toEqual(['1']);
    expect(digits).toEqual([{ digit: '1', durationMs: 100, volume: 10, timestamp: 1000, endReceived: true }]);
    expect(rx.counters).toMatchObject({ digits: 1, redundant: 2 });
  });

  it('reports the same digit pressed twice as two digits', () => {
    const { rx, digits } = receiver();
    for (const ts of [0, 2000]) {
      rx.push(ts, payload(9, false, 160), true);
      rx.push(ts, payload(9, true, 640));
      rx.push(ts, payload(9, true, 640));
    }
    expect(digits.map((d) => d.digit).join('')).toBe('99');
  });

  it('closes a digit whose end packets were lost when the next digit starts, or after 500 ms of silence', () => {
    const { rx, digits } = receiver();
    rx.push(0, payload(4, false, 160), true);
    rx.push(0, payload(4, false, 480));
    rx.push(4000, payload(2, false, 160), true);
    expect(digits).toEqual([expect.objectContaining({ digit: '4', durationMs: 60, endReceived: false })]);
    for (let i = 0; i < 24; i++) rx.tick();
    expect(digits).toHaveLength(1);
    rx.tick();
    expect(digits.map((d) => d.digit)).toEqual(['4', '2']);
  });

  it('reports a digit whose only surviving packet is an end packet', () => {
    const { rx, digits } = receiver();
    rx.push(500, payload(11, true, 1600));
    expect(digits).toEqual([expect.objectContaining({ digit: '#', durationMs: 200, endReceived: true })]);
  });

  it('ignores late packets of an older event and events that are not digits', () => {
    const { rx, digits } = receiver();
    rx.push(8000, payload(3, false, 160), true);
    rx.push(7000, payload(7, true, 800)); // late end of an earlier event
    rx.push(8000, payload(3, true, 320));
    rx.push(12000, payload(16, false, 160), true); // flash
    rx.push(12000, payload(16, true, 800));
    expect(digits.map((d) => d.digit)).toEqual(['3']);
    expect(rx.counters.ignored).toBeGreaterThanOrEqual(2);
  });

  it('joins the segments of a long event (RFC 4733 §2.5.1.3) into one digit', () => {
    const { rx, digits } = receiver();
    rx.push(0, payload(0, false, 160), true);
    rx.push(0, payload(0, false, 65535));
    rx.push(65535, payload(0, false, 160)); // new segment: new timestamp, no marker
    rx.push(65535, payload(0, true, 8000));
    expect(digits).toEqual([expect.objectContaining({ digit: '0', timestamp: 0, durationMs: Math.round(((65535 + 8000) * 1000) / 8000) })]);
  });

  it('handles timestamp wrap-around', () => {
    const { rx, digits } = receiver();
    rx.push(0xfffffe00, payload(6, false, 160), true);
    rx.push(0xfffffe00, payload(6, true, 800));
    rx.push(0x00000400, payload(8, false, 160), true);
    rx.push(0xfffffe00, payload(6, true, 800)); // a late repeat of the first end
    rx.push(0x00000400, payload(8, true, 800));
    expect(digits.map((d) => d.digit)).toEqual(['6', '8']);
  });

  it('counts payloads shorter than 4 bytes as malformed', () => {
    const { rx, digits } = receiver();
    rx.push(0, Buffer.from([1, 2]));
    expect(digits).toHaveLength(0);
    expect(rx.counters.malformed).toBe(1);
  });
});

describe('dtmfPacketPlan', () => {
  it('is a marker start, updates every 20 ms and three identical end packets', () => {
    const plan = dtmfPacketPlan('5', { durationMs: 100, volume: 10 });
    expect(plan.map((p) => [p.tick, p.marker, p.end, p.duration])).toEqual([
      [0, true, false, 160],
      [1, false, false, 320],
      [2, false, false, 480],
      [3, false, false, 640],
      [4, false, true, 800],
      [4, false, true, 800],
      [4, false, true, 800],
    ]);
    expect(plan[0]!.payload).toEqual(payload(5, false, 160));
  });

  it('rejects impossible durations and volumes', () => {
    expect(() => dtmfPacketPlan('1', { durationMs: 10 })).toThrow(/40-8000 ms/);
    expect(() => dtmfPacketPlan('1', { volume: 64 })).toThrow(/0-63/);
  });
});

describe('DtmfSender', () => {
  it('sends each digit with one timestamp, suppresses audio meanwhile and leaves a gap between digits', () => {
    const sender = new DtmfSender({ payloadType: 101 });
    sender.enqueue('1#', { durationMs: 60, gapMs: 40 });
    const sent: [number, boolean, number, string][] = [];
    const audioTicks: number[] = [];
    for (let tick = 0; tick < 12; tick++) {
      const ts = 5000 + tick * 160;
      const busy = sender.tick(ts, (p, marker, eventTs) => sent.push([tick, marker, eventTs, Buffer.from(p).toString('hex')]));
      if (!busy) audioTicks.push(tick);
    }
    expect(sent).toEqual([
      [0, true, 5000, '010a00a0'],
      [1, false, 5000, '010a0140'],
      [2, false, 5000, '018a01e0'],
      [2, false, 5000, '018a01e0'],
      [2, false, 5000, '018a01e0'],
      [5, true, 5800, '0b0a00a0'],
      [6, false, 5800, '0b0a0140'],
      [7, false, 5800, '0b8a01e0'],
      [7, false, 5800, '0b8a01e0'],
      [7, false, 5800, '0b8a01e0'],
    ]);
    expect(audioTicks).toEqual([3, 4, 8, 9, 10, 11]);
    expect(sender.busy).toBe(false);
  });

  it('is understood by the receiver for every digit', () => {
    const { rx, digits } = receiver();
    const sender = new DtmfSender({ payloadType: 96 });
    sender.enqueue('0123456789*#ABCD', { durationMs: 80, gapMs: 40 });
    for (let tick = 0; sender.busy; tick++) sender.tick(tick * 160, (p, marker, ts) => rx.push(ts, p, marker));
    expect(digits.map((d) => d.digit).join('')).toBe('0123456789*#ABCD');
    expect(digits.every((d) => d.durationMs === 80 && d.endReceived)).toBe(true);
  });

  it('queues nothing when one digit is invalid, and refuses a static payload type', () => {
    const sender = new DtmfSender({ payloadType: 101 });
    expect(() => sender.enqueue('12x')).toThrow(DtmfDigitError);
    expect(sender.busy).toBe(false);
    expect(() => new DtmfSender({ payloadType: 8 })).toThrow(/96-127/);
  });
});
