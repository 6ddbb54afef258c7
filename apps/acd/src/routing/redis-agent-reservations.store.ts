import { type Redis } from 'ioredis';
import { acdRedisKeys } from '../redis/acd-redis-keys';
import { LuaScript } from '../redis/lua-script';
import {
  type AgentReservations,
  assertReservationLease,
  assertReservationRequest,
  type ReservationHold,
  type ReservationRequest,
  type ReserveResult,
} from './agent-reservations.port';
import { RoutingError } from './routing.errors';

/**
 * AgentReservations in Redis, shared by every acd instance: each operation is one Lua script, so it
 * is atomic. Per tenant (one hash-tag slot): `offer:<offerId>` (hash: callId, owner, agents as
 * JSON, expiresAt), `call:<callId>` and `agent:<agentId>` (each naming the offer that holds it).
 * Every key of a hold expires at the hold's `expiresAt` (PEXPIREAT), so the holds of an engine that
 * died lapse on their own. Times are the Redis server's clock.
 *
 * A reservation also reads the agents' live state (`t:{tenantId}:agent:<agentId>:state`, written by
 * the engine that runs the tenant): an agent whose live state is not `available` is refused like an
 * agent held by another offer (unless that state is about this very offer), so an engine whose view
 * is out of date cannot reserve an agent who just went on a break or offline.
 *
 * Use the same connection for the live state writes: Redis then runs them in the order issued.
 */

const HELPERS = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local P = ARGV[1]
local function offerKey(id) return P .. 'offer:' .. id end
local function callKey(id) return P .. 'call:' .. id end
local function agentKey(id) return P .. 'agent:' .. id end
local function viewOf(offerId)
  local h = redis.call('HMGET', offerKey(offerId), 'callId', 'owner', 'agents', 'expiresAt')
  if not h[1] then return nil end
  return { offerId, h[1], h[2], h[3], h[4] }
end
local function setHold(offerId, callId, owner, agents, expiresAt)
  redis.call('HSET', offerKey(offerId), 'callId', callId, 'owner', owner, 'agents', cjson.encode(agents), 'expiresAt', expiresAt)
  redis.call('PEXPIREAT', offerKey(offerId), expiresAt)
  redis.call('SET', callKey(callId), offerId, 'PXAT', expiresAt)
  for _, agentId in ipairs(agents) do redis.call('SET', agentKey(agentId), offerId, 'PXAT', expiresAt) end
end
`;

/** KEYS: agent state keys. ARGV: prefix, offerId, callId, owner, leaseMs, busyRetryMs, agentId... */
const RESERVE = new LuaScript(
  'acd-reserve',
  `${HELPERS}
local offerId, callId, owner = ARGV[2], ARGV[3], ARGV[4]
local lease, busyRetry = tonumber(ARGV[5]), tonumber(ARGV[6])
local now = nowMs()
local offerTtl = redis.call('PTTL', offerKey(offerId))
if offerTtl > 0 then return { 'offer-exists', tostring(now + offerTtl) } end
local holder = redis.call('GET', callKey(callId))
if holder then
  local view = viewOf(holder)
  if view then return { 'call-held', tostring(now + redis.call('PTTL', callKey(callId))), view[1], view[2], view[3], view[4], view[5] } end
  redis.call('DEL', callKey(callId))
end
local agents = {}
local held = {}
local retryAt = nil
for i = 7, #ARGV do
  local agentId = ARGV[i]
  agents[#agents + 1] = agentId
  local ttl = redis.call('PTTL', agentKey(agentId))
  local busyUntil = nil
  if ttl > 0 then
    busyUntil = now + ttl
  else
    local live = redis.call('HMGET', KEYS[i - 6], 'state', 'holdOfferId')
    if live[1] and live[1] ~= 'available' and live[2] ~= offerId then busyUntil = now + busyRetry end
  end
  if busyUntil then
    held[#held + 1] = agentId
    if not retryAt or busyUntil < retryAt then retryAt = busyUntil end
  end
end
if #held > 0 then return { 'agent-held', tostring(retryAt), unpack(held) } end
local expiresAt = now + lease
setHold(offerId, callId, owner, agents, expiresAt)
return { 'ok', tostring(expiresAt) }
`,
);

/** ARGV: prefix, offerId, agentId, leaseMs. */
const CONFIRM = new LuaScript(
  'acd-confirm',
  `${HELPERS}
local offerId, agentId, lease = ARGV[2], ARGV[3], tonumber(ARGV[4])
local view = viewOf(offerId)
if not view then return 0 end
local agents = cjson.decode(view[4])
local found = false
for _, other in ipairs(agents) do
  if other == agentId then found = true elseif redis.call('GET', agentKey(other)) == offerId then redis.call('DEL', agentKey(other)) end
end
if not found then return 0 end
setHold(offerId, view[2], view[3], { agentId }, nowMs() + lease)
return 1
`,
);

/** ARGV: prefix, offerId, leaseMs. */
const EXTEND = new LuaScript(
  'acd-extend',
  `${HELPERS}
local offerId, lease = ARGV[2], tonumber(ARGV[3])
local view = viewOf(offerId)
if not view then return 0 end
setHold(offerId, view[2], view[3], cjson.decode(view[4]), nowMs() + lease)
return 1
`,
);

/** ARGV: prefix, offerId, '*' (every agent) or a JSON array of agent ids. Returns the agents released. */
const RELEASE = new LuaScript(
  'acd-release',
  `${HELPERS}
local offerId = ARGV[2]
local view = viewOf(offerId)
if not view then return {} end
local agents = cjson.decode(view[4])
local holding = {}
for _, agentId in ipairs(agents) do holding[agentId] = true end
local asked = agents
if ARGV[3] ~= '*' then asked = cjson.decode(ARGV[3]) end
local released = {}
for _, agentId in ipairs(asked) do
  if holding[agentId] then
    holding[agentId] = nil
    released[#released + 1] = agentId
    if redis.call('GET', agentKey(agentId)) == offerId then redis.call('DEL', agentKey(agentId)) end
  end
end
local remaining = {}
for _, agentId in ipairs(agents) do if holding[agentId] then remaining[#remaining + 1] = agentId end end
if #remaining == 0 then
  redis.call('DEL', offerKey(offerId))
  if redis.call('GET', callKey(view[2])) == offerId then redis.call('DEL', callKey(view[2])) end
elseif #released > 0 then
  redis.call('HSET', offerKey(offerId), 'agents', cjson.encode(remaining))
end
return released
`,
);

/** ARGV: prefix, 'agent' | 'call', id. */
const HOLD_OF = new LuaScript(
  'acd-hold-of',
  `${HELPERS}
local kind, id = ARGV[2], ARGV[3]
local key = agentKey(id)
if kind == 'call' then key = callKey(id) end
local offerId = redis.call('GET', key)
if not offerId then return nil end
return viewOf(offerId)
`,
);

/** How long an engine waits before trying again an agent whose live state says it is not available (default 1 s). */
export interface RedisAgentReservationsOptions {
  busyRetryMs?: number;
}

export class RedisAgentReservations implements AgentReservations {
  private readonly busyRetryMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisAgentReservationsOptions = {},
  ) {
    this.busyRetryMs = options.busyRetryMs ?? 1_000;
    if (!Number.isInteger(this.busyRetryMs) || this.busyRetryMs < 1) throw new RangeError(`busyRetryMs must be a whole number of ms from 1, got ${this.busyRetryMs}`);
  }

  async reserve(request: ReservationRequest): Promise<ReserveResult> {
    assertReservationRequest(request);
    const { tenantId } = request;
    const reply = await this.run(
      RESERVE,
      request.agentIds.map((agentId) => acdRedisKeys.agentState(tenantId, agentId)),
      [acdRedisKeys.holdPrefix(tenantId), request.offerId, request.callId, request.owner, request.leaseMs, this.busyRetryMs, ...request.agentIds],
    );
    const [kind, at, ...rest] = strings(reply, 'reserve');
    const time = Number(at);
    switch (kind) {
      case 'ok':
        return { ok: true, expiresAt: time };
      case 'offer-exists':
        return { ok: false, conflict: 'offer-exists', retryAt: time };
      case 'agent-held':
        return { ok: false, conflict: 'agent-held', heldAgentIds: rest, retryAt: time };
      case 'call-held':
        return { ok: false, conflict: 'call-held', holder: holdView(rest, 'reserve'), retryAt: time };
      default:
        throw new RoutingError('reservations-unavailable', `the reserve script answered ${String(kind)}`);
    }
  }

  async confirm(tenantId: string, offerId: string, agentId: string, leaseMs: number): Promise<boolean> {
    assertReservationLease(leaseMs);
    return (await this.run(CONFIRM, [], [acdRedisKeys.holdPrefix(tenantId), offerId, agentId, leaseMs])) === 1;
  }

  async extend(tenantId: string, offerId: string, leaseMs: number): Promise<boolean> {
    assertReservationLease(leaseMs);
    return (await this.run(EXTEND, [], [acdRedisKeys.holdPrefix(tenantId), offerId, leaseMs])) === 1;
  }

  async release(tenantId: string, offerId: string, agentIds?: readonly string[]): Promise<readonly string[]> {
    if (agentIds !== undefined && agentIds.length === 0) return [];
    return strings(await this.run(RELEASE, [], [acdRedisKeys.holdPrefix(tenantId), offerId, agentIds === undefined ? '*' : JSON.stringify(agentIds)]), 'release');
  }

  async holdOfAgent(tenantId: string, agentId: string): Promise<ReservationHold | null> {
    const reply = await this.run(HOLD_OF, [], [acdRedisKeys.holdPrefix(tenantId), 'agent', agentId]);
    return reply === null ? null : holdView(strings(reply, 'holdOfAgent'), 'holdOfAgent');
  }

  async holdOfCall(tenantId: string, callId: string): Promise<ReservationHold | null> {
    const reply = await this.run(HOLD_OF, [], [acdRedisKeys.holdPrefix(tenantId), 'call', callId]);
    return reply === null ? null : holdView(strings(reply, 'holdOfCall'), 'holdOfCall');
  }

  private async run(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await script.run(this.redis, keys, args);
    } catch (error) {
      throw new RoutingError('reservations-unavailable', `Redis ${script.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function strings(reply: unknown, what: string): string[] {
  if (!Array.isArray(reply) || !reply.every((item) => typeof item === 'string')) {
    throw new RoutingError('reservations-unavailable', `the ${what} script answered ${JSON.stringify(reply)}, not a list of strings`);
  }
  return reply as string[];
}

function holdView(fields: readonly string[], what: string): ReservationHold {
  const [offerId, callId, owner, agents, expiresAt] = fields;
  if (offerId === undefined || callId === undefined || owner === undefined || agents === undefined || expiresAt === undefined) {
    throw new RoutingError('reservations-unavailable', `the ${what} script answered an incomplete hold: ${JSON.stringify(fields)}`);
  }
  const agentIds = JSON.parse(agents) as unknown;
  if (!Array.isArray(agentIds) || !agentIds.every((id) => typeof id === 'string')) {
    throw new RoutingError('reservations-unavailable', `hold ${offerId} has unreadable agents: ${agents}`);
  }
  return { offerId, callId, owner, agentIds: [...(agentIds as string[])].sort(), expiresAt: Number(expiresAt) };
}
