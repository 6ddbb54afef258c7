import { createHash } from 'node:crypto';

/**
 * The n-th id of a call (commands, webhook requests, timers): a UUID (version 8, RFC 9562) derived
 * from the call id and a counter kept in the executor state. Deterministic, so an instance that
 * replays a step after a crash issues the same command ids again and the voice edge can drop the
 * duplicates; and the simulator's traces compare equal.
 */
export function derivedId(callId: string, n: number): string {
  const hex = createHash('sha256').update(`${callId}/${n}`).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
