import { RtpReceiveStats } from './rtp-stats';

describe('RtpReceiveStats', () => {
  it('counts packets, bytes and loss across the sequence wrap-around', () => {
    const stats = new RtpReceiveStats();
    const t = 0;
    for (let i = 0; i < 100; i++) {
      const seq = (65500 + i) & 0xffff;
      if (i === 40 || i === 41 || i === 70) continue; // three lost
      stats.update(seq, i * 160, t + i * 20, 160);
    }
    const s = stats.snapshot();
    expect(s).toMatchObject({ packets: 97, bytes: 97 * 160, expected: 100, lost: 3, highestSeq: 65536 + ((65500 + 99) & 0xffff) });
  });

  it('does not count a reordered packet as lost', () => {
    const stats = new RtpReceiveStats();
    for (const seq of [1, 2, 4, 3, 5]) stats.update(seq, seq * 160, seq * 20, 160);
    expect(stats.snapshot()).toMatchObject({ lost: 0, expected: 5 });
  });

  it('estimates zero jitter for perfectly paced packets, also across the timestamp wrap', () => {
    const stats = new RtpReceiveStats();
    for (let i = 0; i < 200; i++) stats.update(i, (0xffffff00 + i * 160) >>> 0, 1000 + i * 20, 160);
    expect(stats.snapshot().jitter).toBeLessThan(1);
  });

  it('converges to the mean deviation for packets alternately 10 ms early and late (RFC 3550 A.8)', () => {
    const stats = new RtpReceiveStats();
    for (let i = 0; i < 500; i++) stats.update(i, i * 160, i * 20 + (i % 2 ? 10 : 0), 160);
    // |D| is 10 ms = 80 units every packet, so J → 80 units = 10 ms.
    expect(stats.snapshot().jitterMs).toBeCloseTo(10, 0);
  });

  it('ignores packets sharing a timestamp (RFC 4733 updates) for jitter', () => {
    const stats = new RtpReceiveStats();
    for (let i = 0; i < 50; i++) stats.update(i, 1000, i * 20, 4);
    expect(stats.snapshot().jitter).toBe(0);
  });

  it('restarts on a large jump only once the next packet confirms it', () => {
    const stats = new RtpReceiveStats();
    for (let i = 0; i < 10; i++) stats.update(i, i * 160, i * 20, 160);
    stats.update(30000, 0, 220, 160); // a stray packet: ignored
    stats.update(10, 1600, 240, 160);
    expect(stats.snapshot()).toMatchObject({ packets: 11, lost: 0 });
    stats.update(40000, 0, 260, 160);
    stats.update(40001, 160, 280, 160); // the jump is confirmed: a new sequence space
    stats.update(40002, 320, 300, 160);
    expect(stats.snapshot()).toMatchObject({ packets: 2, expected: 2, lost: 0 });
  });
});
