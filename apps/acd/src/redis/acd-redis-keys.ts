/**
 * Every Redis key of the acd service, built here and nowhere else. Keys are tenant-scoped
 * (`t:{tenantId}:...`); the braces are a Redis Cluster hash tag, so all keys of one tenant live in
 * one slot and a Lua script may touch several of them atomically.
 */
const tenantTag = (tenantId: string): string => `t:{${tenantId}}`;

export const acdRedisKeys = {
  /** An agent's live routing state (hash): written by the tenant's routing engine at every change. */
  agentState: (tenantId: string, agentId: string): string => `${tenantTag(tenantId)}:agent:${agentId}:state`,
  /** The acd instance that runs the tenant's routing engine (a lease). */
  tenantOwner: (tenantId: string): string => `${tenantTag(tenantId)}:acd:owner`,
  /** Reservation holds: an offer (hash), and the call and agents it holds (each naming the offer). */
  holdOffer: (tenantId: string, offerId: string): string => `${acdRedisKeys.holdPrefix(tenantId)}offer:${offerId}`,
  holdCall: (tenantId: string, callId: string): string => `${acdRedisKeys.holdPrefix(tenantId)}call:${callId}`,
  holdAgent: (tenantId: string, agentId: string): string => `${acdRedisKeys.holdPrefix(tenantId)}agent:${agentId}`,
  /**
   * The prefix of the hold keys, for the Lua scripts that follow a hold from one key to the next
   * (they append exactly `offer:`, `call:` and `agent:` as the three builders above do).
   */
  holdPrefix: (tenantId: string): string => `${tenantTag(tenantId)}:acd:hold:`,
};
