import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Customers' phone numbers are personal data: a callback number is stored encrypted (AES-256-GCM),
 * and a caller's number is kept only as a keyed hash (to find the caller's last agent). The key is
 * derived from ACD_DATA_KEY.
 */
export class CallerDataCipher {
  private readonly key: Buffer;
  private readonly hashKey: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('ACD_DATA_KEY must be at least 32 characters');
    this.key = createHash('sha256').update(`parley-acd-encryption:${secret}`).digest();
    this.hashKey = createHash('sha256').update(`parley-acd-hashing:${secret}`).digest();
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
  }

  decrypt(stored: string): string {
    const [version, iv, tag, body] = stored.split(':');
    if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) throw new Error('an encrypted caller number has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }

  /** A stable keyed hash of a caller's number within a tenant (the number itself cannot be read back). */
  callerHash(tenantId: string, number: string): string {
    return createHmac('sha256', this.hashKey).update(`${tenantId}:${number}`).digest('hex');
  }
}
