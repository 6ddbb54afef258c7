/** Where an agent's softphone can be reached: one registered contact of its address of record. */
export interface Binding {
  tenantId: string;
  userId: string;
  /** The Contact URI as registered (jssip's is a random `...@....invalid;transport=ws`). */
  contact: string;
  /** The voice node and the connection (RFC 5626 flow) the REGISTER came over: calls go down this flow. */
  nodeId: string;
  flowId: string;
  callId: string;
  cseq: number;
  /** Unix milliseconds. */
  expiresAt: number;
}

/** SIP registrations: Redis in production (every voice node sees them), in memory in the all-in-one mode. */
export interface BindingStore {
  /** Adds or refreshes the binding of (tenant, user, contact). */
  upsert(binding: Binding): Promise<void>;
  remove(tenantId: string, userId: string, contact: string): Promise<boolean>;
  /** Live (not expired) bindings of a user. */
  list(tenantId: string, userId: string, now?: number): Promise<Binding[]>;
}

/** Redis keys of registrations (tenant-scoped, built in one place). */
export const bindingKeys = {
  aor: (tenantId: string, userId: string): string => `t:${tenantId}:sip:aor:${userId}`,
};
