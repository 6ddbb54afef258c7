import { type Redis } from 'ioredis';
import { acdRedisKeys } from '../redis/acd-redis-keys';
import { LuaScript } from '../redis/lua-script';

/**
 * Which acd instance runs a tenant's routing engine: a lease that the holder renews, and that
 * lapses when the holder dies, so another instance takes the tenant (and its calls) over.
 */
export interface TenantLeases {
  /** Takes the lease if it is free (or already ours, renewing it). */
  tryAcquire(tenantId: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Renews our leases; returns the tenants whose lease we no longer hold. */
  renew(tenantIds: readonly string[], holder: string, ttlMs: number): Promise<string[]>;
  release(tenantId: string, holder: string): Promise<void>;
  holderOf(tenantId: string): Promise<string | null>;
}

/** One process: every lease is granted unless another holder of this process has it. */
export class MemoryTenantLeases implements TenantLeases {
  private readonly leases = new Map<string, { holder: string; until: number }>();

  async tryAcquire(tenantId: string, holder: string, ttlMs: number): Promise<boolean> {
    const lease = this.leases.get(tenantId);
    if (lease && lease.holder !== holder && lease.until > Date.now()) return false;
    this.leases.set(tenantId, { holder, until: Date.now() + ttlMs });
    return true;
  }

  async renew(tenantIds: readonly string[], holder: string, ttlMs: number): Promise<string[]> {
    const lost: string[] = [];
    for (const tenantId of tenantIds) if (!(await this.tryAcquire(tenantId, holder, ttlMs))) lost.push(tenantId);
    return lost;
  }

  async release(tenantId: string, holder: string): Promise<void> {
    if (this.leases.get(tenantId)?.holder === holder) this.leases.delete(tenantId);
  }

  async holderOf(tenantId: string): Promise<string | null> {
    const lease = this.leases.get(tenantId);
    return lease && lease.until > Date.now() ? lease.holder : null;
  }
}

/** KEYS: lease. ARGV: holder, ttlMs. 1 when the lease is (now) ours. */
const ACQUIRE = new LuaScript(
  'acd-lease-acquire',
  `local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1`,
);

/** KEYS: lease. ARGV: holder, ttlMs. 1 when renewed, 0 when another holder has it or it lapsed. */
const RENEW = new LuaScript(
  'acd-lease-renew',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`,
);

const RELEASE = new LuaScript(
  'acd-lease-release',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`,
);

export class RedisTenantLeases implements TenantLeases {
  constructor(private readonly redis: Redis) {}

  async tryAcquire(tenantId: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await ACQUIRE.run(this.redis, [acdRedisKeys.tenantOwner(tenantId)], [holder, ttlMs])) === 1;
  }

  async renew(tenantIds: readonly string[], holder: string, ttlMs: number): Promise<string[]> {
    const results = await Promise.all(tenantIds.map((tenantId) => RENEW.run(this.redis, [acdRedisKeys.tenantOwner(tenantId)], [holder, ttlMs])));
    return tenantIds.filter((_, index) => results[index] !== 1);
  }

  async release(tenantId: string, holder: string): Promise<void> {
    await RELEASE.run(this.redis, [acdRedisKeys.tenantOwner(tenantId)], [holder]);
  }

  async holderOf(tenantId: string): Promise<string | null> {
    return this.redis.get(acdRedisKeys.tenantOwner(tenantId));
  }
}
