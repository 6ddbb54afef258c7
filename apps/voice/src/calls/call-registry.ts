import { type Redis } from 'ioredis';

/**
 * Which voice node holds which call. Every node reads every command (its own consumer group); a
 * node acts on its own calls, ignores calls another node holds, and exactly one node (the first to
 * claim the command) answers a command for a call nobody holds with an error event.
 */
export interface CallRegistry {
  register(callId: string, nodeId: string): Promise<void>;
  /** Registers the call to this node unless another node holds it already: true for exactly one node (an originate every node read). */
  claim(callId: string, nodeId: string): Promise<boolean>;
  unregister(callId: string): Promise<void>;
  ownerOf(callId: string): Promise<string | undefined>;
  /** True for the first node to claim reporting this command as failed. */
  claimFailureReport(commandId: string): Promise<boolean>;
}

/** Keys of the call registry in Redis (built in one place). */
export const callRegistryKeys = {
  call: (callId: string): string => `voice:call:${callId}:node`,
  report: (commandId: string): string => `voice:command:${commandId}:reported`,
};

const CALL_TTL_SECONDS = 12 * 3600;

export class RedisCallRegistry implements CallRegistry {
  constructor(private readonly redis: Redis) {}

  async register(callId: string, nodeId: string): Promise<void> {
    await this.redis.set(callRegistryKeys.call(callId), nodeId, 'EX', CALL_TTL_SECONDS);
  }

  async claim(callId: string, nodeId: string): Promise<boolean> {
    return (await this.redis.set(callRegistryKeys.call(callId), nodeId, 'EX', CALL_TTL_SECONDS, 'NX')) === 'OK';
  }

  async unregister(callId: string): Promise<void> {
    await this.redis.del(callRegistryKeys.call(callId));
  }

  async ownerOf(callId: string): Promise<string | undefined> {
    return (await this.redis.get(callRegistryKeys.call(callId))) ?? undefined;
  }

  async claimFailureReport(commandId: string): Promise<boolean> {
    return (await this.redis.set(callRegistryKeys.report(commandId), '1', 'EX', 3600, 'NX')) === 'OK';
  }
}

/** One process (the all-in-one mode, unit tests). */
export class MemoryCallRegistry implements CallRegistry {
  private readonly owners = new Map<string, string>();
  private readonly reported = new Set<string>();

  async register(callId: string, nodeId: string): Promise<void> {
    this.owners.set(callId, nodeId);
  }

  async claim(callId: string, nodeId: string): Promise<boolean> {
    if (this.owners.has(callId)) return false;
    this.owners.set(callId, nodeId);
    return true;
  }

  async unregister(callId: string): Promise<void> {
    this.owners.delete(callId);
  }

  async ownerOf(callId: string): Promise<string | undefined> {
    return this.owners.get(callId);
  }

  async claimFailureReport(commandId: string): Promise<boolean> {
    if (this.reported.has(commandId)) return false;
    if (this.reported.size > 100_000) this.reported.clear();
    this.reported.add(commandId);
    return true;
  }
}
