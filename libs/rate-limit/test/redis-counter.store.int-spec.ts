import { Redis } from 'ioredis';
import { testEnvironment, uniqueName } from '@parley/testing';
import { RedisCounterStore } from '../src/index';

describe('RedisCounterStore (real Redis)', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testEnvironment.redisUrl());
  });
  afterAll(() => redis.quit());

  it('counts atomically across concurrent increments and expires the window', async () => {
    const store = new RedisCounterStore(redis, `${uniqueName('rl')}:`);
    const counts = await Promise.all(Array.from({ length: 50 }, () => store.increment('k', 1)));
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await store.get('k')).toBe(50);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await store.get('k')).toBe(0);
    await store.increment('k', 60);
    await store.reset('k');
    expect(await store.get('k')).toBe(0);
  });
});
