/** Every Redis key and channel of the cti service, built only here. */
export const ctiRedisKeys = {
  /** A WebSocket ticket, by the SHA-256 of its value (the bearer value itself is never stored). */
  wsTicket: (ticketHash: string): string => `cti:ws-ticket:${ticketHash}`,
  /** The sequence of an agent's desktop sessions: the highest one is the live desktop. */
  desktopSequence: (tenantId: string, agentId: string): string => `t:{${tenantId}}:cti:agent:${agentId}:desktop-seq`,
  /** The channel every cti instance listens on for pushes and desktop claims. */
  signals: 'cti:signals',
};
