import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { testEnvironment } from '@parley/testing';
import { describeAgentReservations } from '../src/routing/agent-reservations.contract';
import { ManualClock } from '../src/routing/clock';
import { runEngineRace } from '../src/routing/engine-race.harness';
import { RedisAgentReservations } from '../src/routing/redis-agent-reservations.store';
import { acdRedisKeys } from '../src/redis/acd-redis-keys';

let redis: Redis;

beforeAll(() => {
  redis = new Redis(testEnvironment.redisUrl(), { maxRetriesPerRequest: 2, enableAutoPipelining: true });
});

afterAll(() => {
  redis.disconnect();
});

describeAgentReservations('Redis', () => ({
  reservations: new RedisAgentReservations(redis),
  // Redis leases follow the server's clock: let real time pass.
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 5)),
}));

describe('Redis agent reservations and the live state', () => {
  const request = (tenantId: string, agentIds: string[], offerId: string = randomUUID()) => ({ tenantId, offerId, callId: randomUUID(), agentIds, owner: 'acd-1', leaseMs: 60_000 });

  it('refuse an agent whose live state is not available (an engine with an outdated view), unless the state is about this very offer', async () => {
    const reservations = new RedisAgentReservations(redis, { busyRetryMs: 750 });
    const tenantId = randomUUID();
    await redis.hset(acdRedisKeys.agentState(tenantId, 'on-break'), { state: 'break' });
    await redis.hset(acdRedisKeys.agentState(tenantId, 'ready'), { state: 'available' });
    await redis.hset(acdRedisKeys.agentState(tenantId, 'mine'), { state: 'on-call', holdOfferId: 'offer-7' });
    const before = Date.now();
    const refused = await reservations.reserve(request(tenantId, ['ready', 'on-break']));
    expect(refused).toMatchObject({ ok: false, conflict: 'agent-held', heldAgentIds: ['on-break'] });
    if (refused.ok || refused.conflict !== 'agent-held') throw new Error('expected agent-held');
    expect(refused.retryAt).toBeGreaterThanOrEqual(before + 700);
    expect(await reservations.holdOfAgent(tenantId, 'ready')).toBeNull();
    expect(await reservations.reserve(request(tenantId, ['ready']))).toMatchObject({ ok: true });
    expect(await reservations.reserve(request(tenantId, ['mine']))).toMatchObject({ ok: false, conflict: 'agent-held', heldAgentIds: ['mine'] });
    expect(await reservations.reserve(request(tenantId, ['mine'], 'offer-7'))).toMatchObject({ ok: true });
  });

  it('keep every key of a hold in the tenant slot and let them lapse together', async () => {
    const reservations = new RedisAgentReservations(redis);
    const tenantId = randomUUID();
    const held = { ...request(tenantId, ['a', 'b']), leaseMs: 5_000 };
    await reservations.reserve(held);
    const keys = [acdRedisKeys.holdOffer(tenantId, held.offerId), acdRedisKeys.holdCall(tenantId, held.callId), acdRedisKeys.holdAgent(tenantId, 'a'), acdRedisKeys.holdAgent(tenantId, 'b')];
    const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
    for (const ttl of ttls) expect(ttl).toBeGreaterThan(4_000);
    expect(new Set(keys.map((key) => /\{([^}]+)\}/.exec(key)?.[1]))).toEqual(new Set([tenantId]));
    expect(await reservations.release(tenantId, held.offerId)).toEqual(['a', 'b']);
    expect(await redis.exists(...keys)).toBe(0);
  });
});

describe('4 routing engines racing over one Redis reservation store', () => {
  it('never give an agent two calls nor a call two offers, over 100,000 offers', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const started = Date.now();
    const report = await runEngineRace({ reservations: new RedisAgentReservations(redis), clock, offers: 100_000, seed: 11, tenantId: randomUUID() });
    process.stderr.write(`[acd] Redis race: ${JSON.stringify({ ...report, violations: report.violations.length, wallSeconds: (Date.now() - started) / 1000 })}\n`);
    expect(report.violations).toEqual([]);
    expect(report.offers).toBeGreaterThanOrEqual(100_000);
    expect(report.reservationConflicts.agentHeld).toBeGreaterThan(1_000);
    expect(report.reservationConflicts.callHeld).toBeGreaterThan(10);
    expect(report.callsDeliveredTwice).toBeGreaterThan(100);
    expect(report.answered).toBeGreaterThan(50_000);
    expect(report.offerOutcomes.missed).toBeGreaterThan(1_000);
    expect(report.offerOutcomes.declined).toBeGreaterThan(1_000);
    // CPU-bound (4 engines and Redis on 2 cores): about a minute on a quiet machine, much more on a busy one.
  }, 480_000);
});
