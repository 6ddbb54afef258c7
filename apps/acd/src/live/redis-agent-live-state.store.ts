import { type Redis } from 'ioredis';
import { acdRedisKeys } from '../redis/acd-redis-keys';
import { type AgentLiveState, type AgentLiveStateStore, storedAgentLiveStateSchema, toStoredAgentLiveState } from './agent-live-state.store';

/** Agents' live state in Redis: one hash per agent (`t:{tenantId}:agent:<agentId>:state`). */
export class RedisAgentLiveStateStore implements AgentLiveStateStore {
  constructor(private readonly redis: Redis) {}

  async write(tenantId: string, state: AgentLiveState): Promise<void> {
    // Issued synchronously (before the first await): Redis runs it before any command issued later on this connection.
    await this.redis.hset(acdRedisKeys.agentState(tenantId, state.agentId), toStoredAgentLiveState(state));
  }

  async read(tenantId: string, agentId: string): Promise<AgentLiveState | null> {
    return parse(await this.redis.hgetall(acdRedisKeys.agentState(tenantId, agentId)), agentId);
  }

  async readMany(tenantId: string, agentIds: readonly string[]): Promise<Map<string, AgentLiveState>> {
    const out = new Map<string, AgentLiveState>();
    if (agentIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const agentId of agentIds) pipeline.hgetall(acdRedisKeys.agentState(tenantId, agentId));
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, value], index) => {
      const agentId = agentIds[index] as string;
      if (error) throw new Error(`reading the live state of agent ${agentId} failed: ${error.message}`);
      const state = parse(value as Record<string, string>, agentId);
      if (state) out.set(agentId, state);
    });
    return out;
  }
}

function parse(fields: Record<string, string>, agentId: string): AgentLiveState | null {
  if (Object.keys(fields).length === 0) return null;
  const parsed = storedAgentLiveStateSchema.safeParse(fields);
  if (!parsed.success) {
    throw new Error(`the live state of agent ${agentId} is unreadable: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
