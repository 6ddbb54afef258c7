import { type Clock, systemClock } from './clock';
import {
  type AgentReservations,
  assertReservationLease,
  assertReservationRequest,
  type ReservationHold,
  type ReservationRequest,
  type ReserveResult,
} from './agent-reservations.port';

interface Hold {
  offerId: string;
  callId: string;
  owner: string;
  agentIds: string[];
  expiresAt: number;
}

interface TenantHolds {
  byAgent: Map<string, Hold>;
  byCall: Map<string, Hold>;
  byOffer: Map<string, Hold>;
}

/** AgentReservations for one process (the all-in-one mode, unit tests, simulations). Leases follow the given clock. */
export class MemoryAgentReservations implements AgentReservations {
  private readonly tenants = new Map<string, TenantHolds>();

  constructor(private readonly clock: Clock = systemClock) {}

  async reserve(request: ReservationRequest): Promise<ReserveResult> {
    assertReservationRequest(request);
    const holds = this.holds(request.tenantId);
    const offerHold = this.live(holds, holds.byOffer.get(request.offerId));
    if (offerHold) return { ok: false, conflict: 'offer-exists', retryAt: offerHold.expiresAt };
    const callHold = this.live(holds, holds.byCall.get(request.callId));
    if (callHold) return { ok: false, conflict: 'call-held', holder: toView(callHold), retryAt: callHold.expiresAt };
    let held: string[] | null = null;
    let retryAt = Infinity;
    for (const agentId of request.agentIds) {
      const hold = this.live(holds, holds.byAgent.get(agentId));
      if (hold) {
        (held ??= []).push(agentId);
        retryAt = Math.min(retryAt, hold.expiresAt);
      }
    }
    if (held) return { ok: false, conflict: 'agent-held', heldAgentIds: held, retryAt };
    const hold: Hold = {
      offerId: request.offerId,
      callId: request.callId,
      owner: request.owner,
      agentIds: [...request.agentIds],
      expiresAt: this.clock.now() + request.leaseMs,
    };
    holds.byOffer.set(hold.offerId, hold);
    holds.byCall.set(hold.callId, hold);
    for (const agentId of hold.agentIds) holds.byAgent.set(agentId, hold);
    return { ok: true, expiresAt: hold.expiresAt };
  }

  async confirm(tenantId: string, offerId: string, agentId: string, leaseMs: number): Promise<boolean> {
    assertReservationLease(leaseMs);
    const holds = this.holds(tenantId);
    const hold = this.live(holds, holds.byOffer.get(offerId));
    if (!hold || !hold.agentIds.includes(agentId)) return false;
    for (const other of [...hold.agentIds]) if (other !== agentId) this.dropAgent(holds, hold, other);
    hold.expiresAt = this.clock.now() + leaseMs;
    return true;
  }

  async extend(tenantId: string, offerId: string, leaseMs: number): Promise<boolean> {
    assertReservationLease(leaseMs);
    const holds = this.holds(tenantId);
    const hold = this.live(holds, holds.byOffer.get(offerId));
    if (!hold) return false;
    hold.expiresAt = this.clock.now() + leaseMs;
    return true;
  }

  async release(tenantId: string, offerId: string, agentIds?: readonly string[]): Promise<readonly string[]> {
    const holds = this.holds(tenantId);
    const hold = this.live(holds, holds.byOffer.get(offerId));
    if (!hold) return [];
    const released = agentIds === undefined ? [...hold.agentIds] : agentIds.filter((agentId) => hold.agentIds.includes(agentId));
    for (const agentId of released) this.dropAgent(holds, hold, agentId);
    return released;
  }

  async holdOfAgent(tenantId: string, agentId: string): Promise<ReservationHold | null> {
    const holds = this.holds(tenantId);
    const hold = this.live(holds, holds.byAgent.get(agentId));
    return hold ? toView(hold) : null;
  }

  async holdOfCall(tenantId: string, callId: string): Promise<ReservationHold | null> {
    const holds = this.holds(tenantId);
    const hold = this.live(holds, holds.byCall.get(callId));
    return hold ? toView(hold) : null;
  }

  private holds(tenantId: string): TenantHolds {
    let holds = this.tenants.get(tenantId);
    if (!holds) this.tenants.set(tenantId, (holds = { byAgent: new Map(), byCall: new Map(), byOffer: new Map() }));
    return holds;
  }

  /** The hold if it has not lapsed; a lapsed hold is removed on sight. */
  private live(holds: TenantHolds, hold: Hold | undefined): Hold | undefined {
    if (!hold) return undefined;
    if (hold.expiresAt > this.clock.now()) return hold;
    for (const agentId of [...hold.agentIds]) this.dropAgent(holds, hold, agentId);
    this.forget(holds, hold);
    return undefined;
  }

  private dropAgent(holds: TenantHolds, hold: Hold, agentId: string): void {
    const index = hold.agentIds.indexOf(agentId);
    if (index >= 0) hold.agentIds.splice(index, 1);
    if (holds.byAgent.get(agentId) === hold) holds.byAgent.delete(agentId);
    if (hold.agentIds.length === 0) this.forget(holds, hold);
  }

  private forget(holds: TenantHolds, hold: Hold): void {
    if (holds.byOffer.get(hold.offerId) === hold) holds.byOffer.delete(hold.offerId);
    if (holds.byCall.get(hold.callId) === hold) holds.byCall.delete(hold.callId);
  }
}

function toView(hold: Hold): ReservationHold {
  return { offerId: hold.offerId, callId: hold.callId, owner: hold.owner, agentIds: [...hold.agentIds].sort(), expiresAt: hold.expiresAt };
}
