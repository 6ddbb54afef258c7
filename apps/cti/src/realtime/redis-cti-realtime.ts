import { type Redis } from 'ioredis';
import { ctiRedisKeys } from './cti-redis-keys';
import { type CtiRealtime, type CtiSignal, ctiSignalSchema, type WsTicketClaims, wsTicketClaimsSchema } from './cti-realtime.port';
import { newTicketValue, ticketHash } from './memory-cti-realtime';

/** A desktop sequence outlives any session by far; it only has to grow while an agent works. */
const SEQUENCE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Several cti instances: tickets and desktop sequences in Redis (GETDEL takes a ticket once, INCR
 * orders the desktops), signals over pub/sub on a second connection (a subscribed connection can
 * do nothing else). Pub/sub delivers in publish order to every subscriber, so every instance sees
 * the desktop claims of an agent in the same order.
 */
export function redisCtiRealtime(redis: Redis, onInvalidSignal: (detail: string) => void = () => undefined): CtiRealtime {
  return {
    kind: 'redis',
    tickets: {
      issue: async (claims: WsTicketClaims, ttlSeconds: number) => {
        const ticket = newTicketValue();
        await redis.set(ctiRedisKeys.wsTicket(ticketHash(ticket)), JSON.stringify(claims), 'EX', ttlSeconds);
        return ticket;
      },
      take: async (ticket: string) => {
        const raw = await redis.getdel(ctiRedisKeys.wsTicket(ticketHash(ticket)));
        if (raw === null) return null;
        const parsed = wsTicketClaimsSchema.safeParse(JSON.parse(raw));
        return parsed.success ? parsed.data : null;
      },
    },
    nextDesktopSequence: async (tenantId, agentId) => {
      const key = ctiRedisKeys.desktopSequence(tenantId, agentId);
      const [[incrError, value] = [null, 0]] = (await redis.multi().incr(key).expire(key, SEQUENCE_TTL_SECONDS).exec()) ?? [];
      if (incrError) throw incrError;
      return Number(value);
    },
    publish: async (signal: CtiSignal) => {
      await redis.publish(ctiRedisKeys.signals, JSON.stringify(signal));
    },
    subscribe: async (handler) => {
      const subscriber = redis.duplicate();
      subscriber.on('message', (_channel: string, raw: string) => {
        let parsed;
        try {
          parsed = ctiSignalSchema.safeParse(JSON.parse(raw));
        } catch {
          onInvalidSignal('a signal is not JSON');
          return;
        }
        if (!parsed.success) {
          onInvalidSignal(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
          return;
        }
        handler(parsed.data as CtiSignal);
      });
      await subscriber.subscribe(ctiRedisKeys.signals);
      return async () => {
        await subscriber.unsubscribe(ctiRedisKeys.signals).catch(() => undefined);
        subscriber.disconnect();
      };
    },
    ping: async () => {
      await redis.ping();
    },
  };
}
