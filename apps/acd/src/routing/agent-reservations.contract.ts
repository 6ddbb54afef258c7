import { randomUUID } from 'node:crypto';
import { type AgentReservations, type ReservationRequest } from './agent-reservations.port';
import { RoutingError } from './routing.errors';

export interface ReservationsUnderTest {
  reservations: AgentReservations;
  /** Lets `ms` pass for the store's leases (a manual clock, or real waiting for Redis). */
  elapse(ms: number): Promise<void>;
}

/**
 * One behaviour for every AgentReservations adapter: run by the in-memory unit test, and to be
 * run by the Redis integration test. Each test uses tenants of its own, so a shared store is fine.
 */
export function describeAgentReservations(name: string, make: () => ReservationsUnderTest | Promise<ReservationsUnderTest>): void {
  describe(`${name} agent reservations`, () => {
    const request = (over: Partial<ReservationRequest> & { tenantId: string }): ReservationRequest => ({
      offerId: randomUUID(),
      callId: randomUUID(),
      agentIds: ['agent-1'],
      owner: 'acd-1',
      leaseMs: 60_000,
      ...over,
    });

    it('holds an agent for one offer only, and frees it on release', async () => {
      const { reservations } = await make();
      const tenantId = randomUUID();
      const first = request({ tenantId });
      expect(await reservations.reserve(first)).toEqual({ ok: true, expiresAt: expect.any(Number) });
      const second = request({ tenantId, owner: 'acd-2' });
      expect(await reservations.reserve(second)).toEqual({ ok: false, conflict: 'agent-held', heldAgentIds: ['agent-1'], retryAt: expect.any(Number) });
      expect(await reservations.holdOfAgent(tenantId, 'agent-1')).toEqual({
        offerId: first.offerId,
        callId: first.callId,
        owner: 'acd-1',
        agentIds: ['agent-1'],
        expiresAt: expect.any(Number),
      });
      expect(await reservations.release(tenantId, first.offerId)).toEqual(['agent-1']);
      expect(await reservations.release(tenantId, first.offerId)).toEqual([]);
      expect(await reservations.holdOfAgent(tenantId, 'agent-1')).toBeNull();
      expect(await reservations.reserve(second)).toMatchObject({ ok: true });
    });

    it('lets a call have one live offer at a time', async () => {
      const { reservations } = await make();
      const tenantId = randomUUID();
      const first = request({ tenantId, callId: 'call-1', agentIds: ['agent-1'] });
      await reservations.reserve(first);
      const again = await reservations.reserve(request({ tenantId, callId: 'call-1', agentIds: ['agent-2'], owner: 'acd-2' }));
      expect(again).toEqual({
        ok: false,
        conflict: 'call-held',
        holder: { offerId: first.offerId, callId: 'call-1', owner: 'acd-1', agentIds: ['agent-1'], expiresAt: expect.any(Number) },
        retryAt: expect.any(Number),
      });
      expect(await reservations.holdOfAgent(tenantId, 'agent-2')).toBeNull();
      expect((await reservations.holdOfCall(tenantId, 'call-1'))?.offerId).toBe(first.offerId);
      await reservations.release(tenantId, first.offerId);
      expect(await reservations.holdOfCall(tenantId, 'call-1')).toBeNull();
      expect(await reservations.reserve(request({ tenantId, callId: 'call-1', agentIds: ['agent-2'] }))).toMatchObject({ ok: true });
    });

    it('reserves several agents all or none (ring-all), names every agent already held, and keeps one on confirm', async () => {
      const { reservations } = await make();
      const tenantId = randomUUID();
      await reservations.reserve(request({ tenantId, agentIds: ['b'] }));
      await reservations.reserve(request({ tenantId, agentIds: ['d'] }));
      const refused = await reservations.reserve(request({ tenantId, agentIds: ['a', 'b', 'c', 'd'] }));
      expect(refused).toMatchObject({ ok: false, conflict: 'agent-held', heldAgentIds: ['b', 'd'] });
      expect(await reservations.holdOfAgent(tenantId, 'a')).toBeNull();
      expect(await reservations.holdOfAgent(tenantId, 'c')).toBeNull();

      const ring = request({ tenantId, agentIds: ['a', 'c', 'e'] });
      expect(await reservations.reserve(ring)).toMatchObject({ ok: true });
      expect(await reservations.release(tenantId, ring.offerId, ['e', 'x'])).toEqual(['e']);
      expect(await reservations.holdOfAgent(tenantId, 'e')).toBeNull();
      expect(await reservations.confirm(tenantId, ring.offerId, 'e', 60_000)).toBe(false);
      expect(await reservations.confirm(tenantId, ring.offerId, 'c', 3_600_000)).toBe(true);
      expect(await reservations.holdOfAgent(tenantId, 'a')).toBeNull();
      expect(await reservations.holdOfAgent(tenantId, 'c')).toMatchObject({ offerId: ring.offerId, agentIds: ['c'] });
      expect((await reservations.holdOfCall(tenantId, ring.callId))?.agentIds).toEqual(['c']);
      expect(await reservations.confirm(tenantId, 'no-such-offer', 'c', 60_000)).toBe(false);
      expect(await reservations.release(tenantId, ring.offerId, ['c'])).toEqual(['c']);
      expect(await reservations.holdOfCall(tenantId, ring.callId)).toBeNull();
    });

    it('refuses an offer id that is already live', async () => {
      const { reservations } = await make();
      const tenantId = randomUUID();
      const first = request({ tenantId });
      await reservations.reserve(first);
      expect(await reservations.reserve(request({ tenantId, offerId: first.offerId, agentIds: ['other'] }))).toMatchObject({
        ok: false,
        conflict: 'offer-exists',
      });
    });

    it('keeps tenants apart', async () => {
      const { reservations } = await make();
      const [tenantA, tenantB] = [randomUUID(), randomUUID()];
      const a = request({ tenantId: tenantA, callId: 'call-1' });
      expect(await reservations.reserve(a)).toMatchObject({ ok: true });
      expect(await reservations.reserve(request({ tenantId: tenantB, callId: 'call-1' }))).toMatchObject({ ok: true });
      expect(await reservations.release(tenantB, a.offerId)).toEqual([]);
      expect((await reservations.holdOfAgent(tenantA, 'agent-1'))?.offerId).toBe(a.offerId);
    });

    it('lets a lease lapse unless it is extended', async () => {
      const { reservations, elapse } = await make();
      const tenantId = randomUUID();
      // Wide margins: against Redis these are real milliseconds, on a machine that may be busy.
      const short = request({ tenantId, agentIds: ['lapses'], leaseMs: 1000 });
      const kept = request({ tenantId, agentIds: ['kept'], leaseMs: 1000 });
      await reservations.reserve(short);
      await reservations.reserve(kept);
      await elapse(300);
      expect(await reservations.extend(tenantId, kept.offerId, 4000)).toBe(true);
      await elapse(900);
      expect(await reservations.holdOfAgent(tenantId, 'lapses')).toBeNull();
      expect(await reservations.holdOfCall(tenantId, short.callId)).toBeNull();
      expect(await reservations.extend(tenantId, short.offerId, 4000)).toBe(false);
      expect((await reservations.holdOfAgent(tenantId, 'kept'))?.offerId).toBe(kept.offerId);
      expect(await reservations.reserve(request({ tenantId, agentIds: ['lapses'] }))).toMatchObject({ ok: true });
    });

    it('gives a contested agent to exactly one of many simultaneous offers', async () => {
      const { reservations } = await make();
      const tenantId = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => reservations.reserve(request({ tenantId, owner: `acd-${i % 4}`, agentIds: i % 2 === 0 ? ['hot'] : ['hot', `cold-${i}`] }))),
      );
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      const loser = results.find((result) => !result.ok);
      expect(loser).toMatchObject({ conflict: 'agent-held', heldAgentIds: ['hot'] });
    });

    it('rejects bad requests, naming the fields', async () => {
      const { reservations } = await make();
      const error = await reservations
        .reserve({ tenantId: '', offerId: 'o', callId: 'c', agentIds: ['a', 'a'], owner: 'x', leaseMs: 0 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RoutingError);
      expect((error as RoutingError).message).toBe(
        'invalid reservation request: tenantId: must be a non-empty string; agentIds: must not repeat an agent; leaseMs: must be a whole number of ms from 1 to 86400000, got 0',
      );
    });
  });
}
