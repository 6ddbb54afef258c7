import { type Redis } from 'ioredis';
import { type AgentReservations } from '../routing/agent-reservations.port';
import { MemoryAgentReservations } from '../routing/memory-agent-reservations.store';
import { RedisAgentReservations } from '../routing/redis-agent-reservations.store';
import { MemoryTenantLeases, RedisTenantLeases, type TenantLeases } from '../runtime/tenant-leases';
import { type AgentLiveStateStore, MemoryAgentLiveStateStore } from './agent-live-state.store';
import { RedisAgentLiveStateStore } from './redis-agent-live-state.store';

/** The acd service's real-time state: agent reservations, agents' live state, tenant leases. */
export interface AcdRealtime {
  kind: 'redis' | 'memory';
  reservations: AgentReservations;
  liveState: AgentLiveStateStore;
  leases: TenantLeases;
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
}

/** Several acd instances: everything in Redis, live state and reservations on one connection (so they stay in order). */
export function redisRealtime(redis: Redis): AcdRealtime {
  return {
    kind: 'redis',
    reservations: new RedisAgentReservations(redis),
    liveState: new RedisAgentLiveStateStore(redis),
    leases: new RedisTenantLeases(redis),
    ping: async () => {
      await redis.ping();
    },
  };
}

/** One acd instance (the all-in-one mode): everything in this process. */
export function memoryRealtime(): AcdRealtime {
  return {
    kind: 'memory',
    reservations: new MemoryAgentReservations(),
    liveState: new MemoryAgentLiveStateStore(),
    leases: new MemoryTenantLeases(),
    ping: async () => undefined,
  };
}
