import { DigitCollector, type CollectOutcome, type Timers } from './digit-collector';

class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= this.now && this.pending.delete(id)) t.fn();
    }
  }
}

function collector(options: Partial<ConstructorParameters<typeof DigitCollector>[0]> = {}) {
  const timers = new FakeTimers();
  const results: [string, CollectOutcome][] = [];
  const c = new DigitCollector({ maxDigits: 4, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 3000, ...options }, (d, o) => results.push([d, o]), timers);
  return { c, timers, results };
}

describe('DigitCollector', () => {
  it('stops at max digits', () => {
    const { c, results } = collector();
    c.start();
    for (const d of '12345') c.push(d);
    expect(results).toEqual([['1234', 'max-digits']]);
  });

  it('stops at the terminator, which is not part of the digits', () => {
    const { c, results } = collector({ terminator: '#' });
    c.start();
    c.push('4');
    c.push('2');
    c.push('#');
    expect(results).toEqual([['42', 'terminator']]);
  });

  it('times out when the first digit does not come, and between digits', () => {
    const a = collector();
    a.c.start();
    a.timers.advance(4999);
    expect(a.results).toEqual([]);
    a.timers.advance(1);
    expect(a.results).toEqual([['', 'timeout']]);

    const b = collector();
    b.c.start();
    b.timers.advance(4000);
    b.c.push('7');
    b.timers.advance(2999);
    expect(b.results).toEqual([]);
    b.timers.advance(1);
    expect(b.results).toEqual([['7', 'timeout']]);
  });

  it('reports once, also when cancelled after finishing', () => {
    const { c, results } = collector({ maxDigits: 1 });
    c.start();
    c.push('9');
    c.cancel();
    c.push('8');
    expect(results).toEqual([['9', 'max-digits']]);
  });
});
