import { RoutingError } from './routing.errors';

/**
 * Atomic agent reservations shared by every routing engine instance: an agent is held by at most
 * one offer (one call) at a time, and a call by at most one offer at a time. Engines decide on
 * their own (possibly stale) view of agents; this port is what makes a decision stick, so two
 * instances can never give one agent two calls. An in-memory adapter serves one process; a Redis
 * adapter (atomic Lua) serves several. Both pass `describeAgentReservations`.
 *
 * A hold lasts from the offer until the engine releases it (offer declined or timed out, or the
 * agent's after-call work ended); it carries a lease so that the holds of an engine that died
 * expire on their own.
 */
export interface ReservationRequest {
  tenantId: string;
  /** Unique per offer; names the hold in confirm/extend/release. */
  offerId: string;
  callId: string;
  /** One agent, or several for ring-all: all are held, or none. */
  agentIds: readonly string[];
  /** The engine instance asking (for diagnostics). */
  owner: string;
  leaseMs: number;
}

export interface ReservationHold {
  offerId: string;
  callId: string;
  owner: string;
  agentIds: readonly string[];
  /** Epoch ms (the store's clock) when the hold lapses unless extended. */
  expiresAt: number;
}

export type ReserveResult =
  | { ok: true; expiresAt: number }
  /** Some agents are held by other offers: none of the requested agents was taken. */
  | { ok: false; conflict: 'agent-held'; heldAgentIds: readonly string[]; retryAt: number }
  /** The call already has a live offer (another engine offers it). */
  | { ok: false; conflict: 'call-held'; holder: ReservationHold; retryAt: number }
  /** This offer id is already in use. */
  | { ok: false; conflict: 'offer-exists'; retryAt: number };

export interface AgentReservations {
  reserve(request: ReservationRequest): Promise<ReserveResult>;
  /** The call was answered by `agentId`: keep only that agent (release the others) and set a new lease. False if the offer or agent is not held. */
  confirm(tenantId: string, offerId: string, agentId: string, leaseMs: number): Promise<boolean>;
  /** Sets a new lease on a live hold. False if it is gone. */
  extend(tenantId: string, offerId: string, leaseMs: number): Promise<boolean>;
  /** Releases the given agents of the offer (all when omitted); releasing the last one frees the call. Returns the agents released; unknown offers release nothing. */
  release(tenantId: string, offerId: string, agentIds?: readonly string[]): Promise<readonly string[]>;
  holdOfAgent(tenantId: string, agentId: string): Promise<ReservationHold | null>;
  holdOfCall(tenantId: string, callId: string): Promise<ReservationHold | null>;
}

/** Longest lease a hold may ask for (a day). */
export const MAX_RESERVATION_LEASE_MS = 86_400_000;

function leaseProblem(leaseMs: number): string | null {
  return Number.isInteger(leaseMs) && leaseMs >= 1 && leaseMs <= MAX_RESERVATION_LEASE_MS
    ? null
    : `leaseMs: must be a whole number of ms from 1 to ${MAX_RESERVATION_LEASE_MS}, got ${leaseMs}`;
}

/** The input rules every adapter applies before touching its store (RoutingError 'invalid-input' naming each bad field). */
export function assertReservationRequest(request: ReservationRequest): void {
  const { tenantId, offerId, callId, owner, agentIds, leaseMs } = request;
  const valid =
    isId(tenantId) &&
    isId(offerId) &&
    isId(callId) &&
    isId(owner) &&
    Array.isArray(agentIds) &&
    agentIds.length > 0 &&
    agentIds.every(isId) &&
    (agentIds.length === 1 || new Set(agentIds).size === agentIds.length) &&
    leaseProblem(leaseMs) === null;
  if (valid) return;
  const problems: string[] = [];
  for (const [field, value] of Object.entries({ tenantId, offerId, callId, owner })) {
    if (!isId(value)) problems.push(`${field}: must be a non-empty string`);
  }
  if (!Array.isArray(agentIds) || agentIds.length === 0) problems.push('agentIds: must list at least one agent');
  else if (!agentIds.every(isId)) problems.push('agentIds: must be non-empty strings');
  else if (new Set(agentIds).size !== agentIds.length) problems.push('agentIds: must not repeat an agent');
  const lease = leaseProblem(leaseMs);
  if (lease) problems.push(lease);
  throw new RoutingError('invalid-input', `invalid reservation request: ${problems.join('; ')}`);
}

function isId(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

export function assertReservationLease(leaseMs: number): void {
  const lease = leaseProblem(leaseMs);
  if (lease) throw new RoutingError('invalid-input', `invalid reservation lease: ${lease}`);
}
