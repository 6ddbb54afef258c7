import { JitterBuffer, JitterBufferConfigError } from './jitter-buffer';

/** A payload whose first two bytes carry the sequence number, so a played frame names itself. */
function frame(seq: number): Buffer {
  const b = Buffer.alloc(160, 0xff);
  b.writeUInt16BE(seq & 0xffff, 0);
  return b;
}

function seqOf(payload: Buffer | null): number | null {
  return payload ? payload.readUInt16BE(0) : null;
}

/** Runs ticks: before each pull, pushes the packets listed for that tick. */
function run(jb: JitterBuffer, arrivals: number[][], extraTicks = 0): (number | null)[] {
  const out: (number | null)[] = [];
  for (let tick = 0; tick < arrivals.length + extraTicks; tick++) {
    for (const seq of arrivals[tick] ?? []) jb.push(seq, seq * 160, frame(seq));
    out.push(seqOf(jb.pull()));
  }
  return out;
}

describe('JitterBuffer', () => {
  it('primes to its depth, then plays one frame per tick in order', () => {
    const jb = new JitterBuffer({ depthMs: 60, mode: 'fixed' });
    expect(run(jb, [[10], [11], [12], [13], [14]])).toEqual([null, null, 10, 11, 12]);
    expect(jb.stats()).toMatchObject({ received: 5, played: 3, missing: 0, depthMs: 60 });
  });

  it('puts reordered packets back in order and drops duplicates', () => {
    const jb = new JitterBuffer({ depthMs: 60, mode: 'fixed' });
    expect(jb.push(1, 0, frame(1))).toBe('queued');
    expect(jb.push(0, 0, frame(0))).toBe('queued'); // overtaken while priming
    expect(jb.push(1, 0, frame(1))).toBe('duplicate');
    // 0..3 span the depth as soon as 3 arrives, although 2 is still missing.
    expect(run(jb, [[3], [2], [4], [5], []])).toEqual([0, 1, 2, 3, 4]);
    expect(jb.stats().duplicates).toBe(1);
  });

  it('crosses the sequence-number and timestamp wrap-around', () => {
    const jb = new JitterBuffer({ depthMs: 40, mode: 'fixed' });
    const played: number[] = [];
    const timestamps: number[] = [];
    let ts = 0xffffff00;
    for (let i = 0; i < 8; i++) {
      const seq = (65533 + i) & 0xffff;
      jb.push(seq, ts, frame(seq));
      ts = (ts + 160) >>> 0;
      const got = jb.pull();
      if (got) {
        played.push(seqOf(got)!);
        timestamps.push(jb.lastTimestamp);
      }
    }
    expect(played).toEqual([65533, 65534, 65535, 0, 1, 2, 3]);
    expect(timestamps).toEqual([0xffffff00, 0xffffffa0, 0x40, 0xe0, 0x180, 0x220, 0x2c0]);
  });

  it('returns null for a lost frame and carries on with the next', () => {
    const jb = new JitterBuffer({ depthMs: 40, mode: 'fixed' });
    expect(run(jb, [[0], [1], [], [3], [4], [5]])).toEqual([null, 0, 1, null, 3, 4]);
    expect(jb.stats().missing).toBe(1);
  });

  it('drops a packet that arrives after its frame was played; adaptive mode then deepens by one frame', () => {
    const fixed = new JitterBuffer({ depthMs: 40, mode: 'fixed' });
    run(fixed, [[0], [1], [3], [4]]);
    expect(fixed.push(2, 0, frame(2))).toBe('late');
    expect(fixed.depthMs).toBe(40);

    const adaptive = new JitterBuffer({ depthMs: 40, minDepthMs: 40, maxDepthMs: 100 });
    run(adaptive, [[0], [1], [3], [4]]);
    expect(adaptive.push(2, 0, frame(2))).toBe('late');
    expect(adaptive.depthMs).toBe(60);
    // The extra frame of delay is inserted at once: one silent tick, then playout continues.
    expect(run(adaptive, [[5], [6], [7]])).toEqual([null, 3, 4]);
    expect(adaptive.stats().late).toBe(1);
  });

  it('pauses without skipping when the sender stalls, then primes again', () => {
    const jb = new JitterBuffer({ depthMs: 40, mode: 'fixed' });
    expect(run(jb, [[0], [1], [2], [], [], [3], [4], [5]])).toEqual([null, 0, 1, 2, null, null, 3, 4]);
    expect(jb.stats().underruns).toBe(1);
  });

  it('restarts on a jump further than its capacity (a new stream)', () => {
    const jb = new JitterBuffer({ depthMs: 40, mode: 'fixed', capacity: 16 });
    run(jb, [[0], [1], [2]]);
    expect(jb.push(5000, 0, frame(5000))).toBe('resync');
    expect(run(jb, [[5001], [5002]])).toEqual([5000, 5001]);
    expect(jb.stats().resyncs).toBe(1);
  });

  it('skips frames held above its depth for a second so a burst does not leave latency behind', () => {
    const jb = new JitterBuffer({ depthMs: 40, mode: 'fixed' });
    const arrivals: number[][] = [[0], [1], []];
    arrivals.push(Array.from({ length: 21 }, (_, i) => 2 + i)); // a stall, then 21 packets at once
    for (let seq = 23; seq < 23 + 300; seq++) arrivals.push([seq]);
    run(jb, arrivals);
    expect(jb.stats().dropped).toBeGreaterThan(15);
    expect(jb.stats().delayMs).toBeLessThanOrEqual(60);
  });

  it('copies payloads in, so the sender may reuse its buffer', () => {
    const jb = new JitterBuffer({ depthMs: 20, mode: 'fixed' });
    const source = frame(7);
    jb.push(7, 0, source);
    source.fill(0);
    expect(seqOf(jb.pull())).toBe(7);
    expect(jb.push(8, 0, Buffer.alloc(1000))).toBe('oversize');
  });

  it('forgets everything on reset', () => {
    const jb = new JitterBuffer({ depthMs: 20, mode: 'fixed' });
    jb.push(100, 0, frame(100));
    jb.reset();
    jb.push(9, 0, frame(9));
    expect(seqOf(jb.pull())).toBe(9);
  });

  it('lowers an adaptive depth again after 5 s without late packets', () => {
    const jb = new JitterBuffer({ depthMs: 80, minDepthMs: 40, maxDepthMs: 200 });
    run(jb, Array.from({ length: 260 }, (_, i) => [i]));
    expect(jb.depthMs).toBe(60);
  });

  it.each([{ capacity: 10 }, { depthMs: 5 }, { depthMs: 2000 }, { depthMs: 40, minDepthMs: 60 }])('rejects %j', (options) => {
    expect(() => new JitterBuffer(options)).toThrow(JitterBufferConfigError);
  });
});
