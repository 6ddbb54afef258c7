import { type Redis } from 'ioredis';
import { z } from 'zod';
import { type Binding, bindingKeys, type BindingStore } from './binding-store.port';

const bindingSchema = z.object({
  tenantId: z.string(),
  userId: z.string(),
  contact: z.string(),
  nodeId: z.string(),
  flowId: z.string(),
  callId: z.string(),
  cseq: z.number(),
  expiresAt: z.number(),
});

// Set the contact, keep the key alive as long as its longest binding.
const UPSERT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

/** Registrations in Redis: one hash per address of record, a field per contact. */
export class RedisBindingStore implements BindingStore {
  constructor(private readonly redis: Redis) {}

  async upsert(binding: Binding): Promise<void> {
    const ttlMs = Math.max(1, binding.expiresAt - Date.now());
    await this.redis.eval(UPSERT, 1, bindingKeys.aor(binding.tenantId, binding.userId), binding.contact, JSON.stringify(binding), String(ttlMs));
  }

  async remove(tenantId: string, userId: string, contact: string): Promise<boolean> {
    return (await this.redis.hdel(bindingKeys.aor(tenantId, userId), contact)) > 0;
  }

  async list(tenantId: string, userId: string, now = Date.now()): Promise<Binding[]> {
    const key = bindingKeys.aor(tenantId, userId);
    const fields = await this.redis.hgetall(key);
    const live: Binding[] = [];
    const expired: string[] = [];
    for (const [contact, raw] of Object.entries(fields)) {
      const parsed = bindingSchema.safeParse(safeJson(raw));
      if (!parsed.success || parsed.data.expiresAt <= now) expired.push(contact);
      else live.push(parsed.data);
    }
    if (expired.length > 0) await this.redis.hdel(key, ...expired);
    return live;
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
