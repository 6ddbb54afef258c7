import { decodeTelephoneEvent, encodeTelephoneEvent, isDtmfDigitValue, TelephoneEventReceiver } from './rfc4733';

function packet(event: number, end: boolean, duration: number): Buffer {
  return encodeTelephoneEvent({ event, end, volume: 10, duration });
}

describe('RFC 4733 payload', () => {
  it('encodes event, end bit, volume and duration in 4 bytes', () => {
    expect(packet(11, true, 800).toString('hex')).toBe('0b8a0320');
    expect(decodeTelephoneEvent(Buffer.from('050a00a0', 'hex'))).toEqual({ event: 5, end: false, volume: 10, duration: 160 });
    expect(decodeTelephoneEvent(Buffer.from('058a0320', 'hex'))).toEqual({ event: 5, end: true, volume: 10, duration: 800 });
  });

  it('rejects payloads shorter than 4 bytes', () => {
    expect(decodeTelephoneEvent(Buffer.from('0580', 'hex'))).toBeUndefined();
  });

  it('knows the 16 DTMF digits and nothing else', () => {
    expect(['0', '9', '*', '#', 'A', 'D'].every(isDtmfDigitValue)).toBe(true);
    expect(['a', 'E', '10', '', 5].some(isDtmfDigitValue)).toBe(false);
  });
});

describe('TelephoneEventReceiver', () => {
  it('reports a digit once, on its first end packet, with its duration in ms', () => {
    const receiver = new TelephoneEventReceiver();
    const reports = [
      ...receiver.push(packet(1, false, 160), 1000),
      ...receiver.push(packet(1, false, 320), 1000),
      ...receiver.push(packet(1, true, 800), 1000),
      ...receiver.push(packet(1, true, 800), 1000),
      ...receiver.push(packet(1, true, 800), 1000),
    ];
    expect(reports).toEqual([{ digit: '1', durationMs: 100 }]);
  });

  it('tells two presses of the same key apart by their timestamps', () => {
    const receiver = new TelephoneEventReceiver();
    const reports = [1000, 3000].flatMap((timestamp) => [
      ...receiver.push(packet(11, false, 160), timestamp),
      ...receiver.push(packet(11, true, 480), timestamp),
      ...receiver.push(packet(11, true, 480), timestamp),
    ]);
    expect(reports).toEqual([
      { digit: '#', durationMs: 60 },
      { digit: '#', durationMs: 60 },
    ]);
  });

  it('reports a digit whose end packets were all lost when the next event starts', () => {
    const receiver = new TelephoneEventReceiver();
    receiver.push(packet(4, false, 160), 1000);
    receiver.push(packet(4, false, 480), 1000);
    expect(receiver.push(packet(2, false, 160), 5000)).toEqual([{ digit: '4', durationMs: 60 }]);
    expect(receiver.push(packet(2, true, 400), 5000)).toEqual([{ digit: '2', durationMs: 50 }]);
  });

  it('ignores events that are not digits (flash) and scales durations by the clock rate', () => {
    expect(new TelephoneEventReceiver().push(packet(16, true, 800), 1)).toEqual([]);
    expect(new TelephoneEventReceiver(48000).push(packet(0, true, 4800), 1)).toEqual([{ digit: '0', durationMs: 100 }]);
  });
});
