import { FailureLimiter } from './counter-store.port';
import { MemoryCounterStore } from './memory-counter.store';

describe('FailureLimiter', () => {
  it('blocks a key after maxFailures in the window, for blockSeconds, and forgets failures on success', async () => {
    let now = 0;
    const limiter = new FailureLimiter(new MemoryCounterStore(() => now), { maxFailures: 3, windowSeconds: 60, blockSeconds: 300, prefix: 'test' });
    expect(await limiter.recordFailure('a')).toBe(false);
    await limiter.recordSuccess('a');
    expect(await limiter.failures('a')).toBe(0);
    expect(await limiter.recordFailure('a')).toBe(false);
    expect(await limiter.recordFailure('a')).toBe(false);
    expect(await limiter.recordFailure('a')).toBe(true);
    expect(await limiter.isBlocked('a')).toBe(true);
    expect(await limiter.isBlocked('b')).toBe(false);
    now += 299_000;
    expect(await limiter.isBlocked('a')).toBe(true);
    now += 2_000;
    expect(await limiter.isBlocked('a')).toBe(false);
  });

  it('lets failures outside the window expire', async () => {
    let now = 0;
    const limiter = new FailureLimiter(new MemoryCounterStore(() => now), { maxFailures: 2, windowSeconds: 60, blockSeconds: 300, prefix: 'test' });
    await limiter.recordFailure('a');
    now += 61_000;
    expect(await limiter.recordFailure('a')).toBe(false);
  });
});
