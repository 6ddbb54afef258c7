// RFC 5626 §5.2-style flow tokens: a flow id signed with an HMAC, safe to put in a Path or
// Record-Route URI (or a Contact alias) and to hand back later to find the connection again.
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 12;

/** Signs and reads flow tokens with one secret (≥ 16 bytes; share it between instances that must read each other's tokens). */
export class FlowTokens {
  private readonly secret: Buffer;

  constructor(secret: string | Buffer) {
    this.secret = typeof secret === 'string' ? Buffer.from(secret) : secret;
    if (this.secret.length < 16) throw new TypeError('FlowTokens secret must be at least 16 bytes');
  }

  private mac(data: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(data).digest().subarray(0, MAC_BYTES);
  }

  /** A URI-safe token (base64url) for this flow id. */
  encode(flowId: string): string {
    const data = Buffer.from(flowId, 'utf8');
    return Buffer.concat([this.mac(data), data]).toString('base64url');
  }

  /** The flow id in a token this secret signed, or undefined for a forged or damaged one. */
  decode(token: string): string | undefined {
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= MAC_BYTES || raw.toString('base64url') !== token) return undefined;
    const data = raw.subarray(MAC_BYTES);
    return timingSafeEqual(raw.subarray(0, MAC_BYTES), this.mac(data)) ? data.toString('utf8') : undefined;
  }
}
