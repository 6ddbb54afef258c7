import { z } from 'zod';
import { type CtiServerMessage, roleSchema } from '@parley/contracts';

/** Who a WebSocket ticket was issued to. */
export const wsTicketClaimsSchema = z.object({
  tenantId: z.uuid(),
  userId: z.uuid(),
  role: roleSchema,
  mode: z.enum(['agent', 'supervisor']),
});
export type WsTicketClaims = z.infer<typeof wsTicketClaimsSchema>;

/** Who a push is for, within its tenant: named agents, and/or every supervisor-mode connection. */
export interface PushAudience {
  agentIds: readonly string[];
  supervisors: boolean;
}

/** What cti instances tell each other. */
export type CtiSignal =
  | { kind: 'push'; tenantId: string; audience: PushAudience; message: CtiServerMessage }
  /** An agent's desktop with this sequence number is now the live one: close the older ones. */
  | { kind: 'desktop-claimed'; tenantId: string; agentId: string; sequence: number; connectionId: string }
  /** The agent lost its seat: close its desktop. */
  | { kind: 'desktop-revoked'; tenantId: string; agentId: string };

export const ctiSignalSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('push'),
    tenantId: z.uuid(),
    audience: z.object({ agentIds: z.array(z.uuid()), supervisors: z.boolean() }),
    message: z.object({ type: z.string() }).passthrough(),
  }),
  z.object({ kind: z.literal('desktop-claimed'), tenantId: z.uuid(), agentId: z.uuid(), sequence: z.number().int().positive(), connectionId: z.string().min(1) }),
  z.object({ kind: z.literal('desktop-revoked'), tenantId: z.uuid(), agentId: z.uuid() }),
]);

export interface WsTicketStore {
  /** Keeps the claims under a new ticket for `ttlSeconds`; returns the ticket. */
  issue(claims: WsTicketClaims, ttlSeconds: number): Promise<string>;
  /** The claims of a ticket, once: a second take, or a take after it expired, is null. */
  take(ticket: string): Promise<WsTicketClaims | null>;
}

/**
 * The real-time state the cti instances share: one-time WebSocket tickets, the sequence of each
 * agent's desktops, and a channel on which pushes and desktop claims reach every instance (the
 * desktop of an agent may be connected to any of them). Redis in production; memory when one
 * process runs everything.
 */
export interface CtiRealtime {
  readonly kind: 'redis' | 'memory';
  readonly tickets: WsTicketStore;
  /** The next (strictly growing) desktop sequence number of an agent. */
  nextDesktopSequence(tenantId: string, agentId: string): Promise<number>;
  /** Sends a signal to every instance, this one included, in the order published. */
  publish(signal: CtiSignal): Promise<void>;
  /** Receives every signal; resolves when listening. Returns how to stop. */
  subscribe(handler: (signal: CtiSignal) => void): Promise<() => Promise<void>>;
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
}
