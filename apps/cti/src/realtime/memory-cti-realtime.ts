import { createHash, randomBytes } from 'node:crypto';
import { type CtiRealtime, type CtiSignal, type WsTicketClaims, type WsTicketStore } from './cti-realtime.port';

export function newTicketValue(): string {
  return randomBytes(32).toString('base64url');
}

export function ticketHash(ticket: string): string {
  return createHash('sha256').update(ticket).digest('base64url');
}

class MemoryWsTicketStore implements WsTicketStore {
  private readonly tickets = new Map<string, { claims: WsTicketClaims; expiresAt: number }>();

  constructor(private readonly now: () => number) {}

  async issue(claims: WsTicketClaims, ttlSeconds: number): Promise<string> {
    const ticket = newTicketValue();
    const at = this.now();
    for (const [key, entry] of this.tickets) if (entry.expiresAt <= at) this.tickets.delete(key);
    this.tickets.set(ticketHash(ticket), { claims, expiresAt: at + ttlSeconds * 1000 });
    return ticket;
  }

  async take(ticket: string): Promise<WsTicketClaims | null> {
    const key = ticketHash(ticket);
    const entry = this.tickets.get(key);
    this.tickets.delete(key);
    if (!entry || entry.expiresAt <= this.now()) return null;
    return entry.claims;
  }
}

/** One cti instance (the all-in-one mode): tickets, sequences and signals in this process. */
export function memoryCtiRealtime(now: () => number = Date.now): CtiRealtime {
  const sequences = new Map<string, number>();
  const handlers = new Set<(signal: CtiSignal) => void>();
  return {
    kind: 'memory',
    tickets: new MemoryWsTicketStore(now),
    nextDesktopSequence: async (tenantId, agentId) => {
      const key = `${tenantId}:${agentId}`;
      const next = (sequences.get(key) ?? 0) + 1;
      sequences.set(key, next);
      return next;
    },
    publish: async (signal) => {
      // Delivered after the publisher's current work, as Redis would.
      queueMicrotask(() => {
        for (const handler of handlers) handler(signal);
      });
    },
    subscribe: async (handler) => {
      handlers.add(handler);
      return async () => void handlers.delete(handler);
    },
    ping: async () => undefined,
  };
}
