import { ReceptionStatistics } from './reception-statistics';

describe('ReceptionStatistics (RFC 3550 A.1, A.3, A.8)', () => {
  it('reports nothing before the first packet', () => {
    expect(new ReceptionStatistics().reportBlock(0)).toBeUndefined();
  });

  it('counts loss per interval and cumulatively, across the sequence number wrap', () => {
    const stats = new ReceptionStatistics();
    // 65530..65535, 0..9 with 65533 and 2 missing: 16 expected, 14 received.
    const sequence = [65530, 65531, 65532, 65534, 65535, 0, 1, 3, 4, 5, 6, 7, 8, 9];
    sequence.forEach((seq, i) => stats.onPacket(42, seq, i * 160, i * 20));
    expect(stats.reportBlock(300)).toMatchObject({ ssrc: 42, packetsLost: 2, highestSequence: 0x10000 + 9, fractionLost: Math.floor((2 * 256) / 16) });
    for (let seq = 10; seq < 20; seq++) stats.onPacket(42, seq, seq * 160, seq * 20);
    expect(stats.reportBlock(600)).toMatchObject({ packetsLost: 2, highestSequence: 0x10000 + 19, fractionLost: 0 });
    // The same cumulative count without touching the report's interval counters.
    expect(stats.packetsLost).toBe(2);
    expect(new ReceptionStatistics().packetsLost).toBe(0);
  });

  it('does not count late or duplicate packets as loss or move the highest sequence back', () => {
    const stats = new ReceptionStatistics();
    [100, 101, 103, 102, 102].forEach((seq, i) => stats.onPacket(7, seq, seq * 160, i * 20));
    expect(stats.reportBlock(100)).toMatchObject({ highestSequence: 103, packetsLost: 0 });
  });

  it('measures zero jitter for a steady 20 ms stream and some for a jittery one', () => {
    const steady = new ReceptionStatistics();
    for (let i = 0; i < 50; i++) steady.onPacket(1, i, i * 160, 1000 + i * 20);
    expect(steady.reportBlock(2000)?.jitter).toBe(0);
    const jittery = new ReceptionStatistics();
    for (let i = 0; i < 50; i++) jittery.onPacket(1, i, i * 160, 1000 + i * 20 + (i % 2) * 10);
    expect(jittery.reportBlock(2000)?.jitter).toBeGreaterThan(40);
  });

  it('echoes the last sender report as LSR with the delay since it in 1/65536 s', () => {
    const stats = new ReceptionStatistics();
    stats.onPacket(9, 1, 160, 0);
    stats.onSenderReport(9, 0x1234567890abcdefn, 1000);
    expect(stats.reportBlock(1500)).toMatchObject({ lsr: 0x567890ab, dlsr: 32768 });
  });

  it('follows a sender that jumped its sequence number once two packets confirm it', () => {
    const stats = new ReceptionStatistics();
    [10, 11, 12].forEach((seq) => stats.onPacket(3, seq, seq * 160, seq * 20));
    stats.onPacket(3, 40000, 0, 300);
    expect(stats.reportBlock(300)).toMatchObject({ highestSequence: 12 });
    stats.onPacket(3, 40001, 160, 320);
    stats.onPacket(3, 40002, 320, 340);
    expect(stats.reportBlock(400)).toMatchObject({ highestSequence: 40002, packetsLost: 0 });
  });

  it('starts over when the source changes', () => {
    const stats = new ReceptionStatistics();
    stats.onPacket(1, 10, 0, 0);
    stats.onPacket(1, 20, 0, 0);
    stats.onPacket(2, 500, 0, 0);
    expect(stats.reportBlock(0)).toMatchObject({ ssrc: 2, packetsLost: 0, highestSequence: 500 });
  });
});
