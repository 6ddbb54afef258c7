import { type Redis } from 'ioredis';
import { type CounterStore } from './counter-store.port';

// INCR and set the expiry on the first hit, atomically.
const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** Counters in Redis, shared by every replica of the service. */
export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'parley:',
  ) {}

  async increment(key: string, windowSeconds: number): Promise<number> {
    const result = await this.redis.eval(INCREMENT, 1, this.prefix + key, String(windowSeconds));
    return Number(result);
  }

  async get(key: string): Promise<number> {
    return Number((await this.redis.get(this.prefix + key)) ?? 0);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
