import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'v1';

/**
 * Customers' phone numbers are personal data: stored encrypted (AES-256-GCM, a fresh IV per value,
 * the tenant id as associated data so a value copied to another tenant's row does not decrypt),
 * and found by a keyed hash (HMAC-SHA-256 of the tenant and the E.164 number) that cannot be read
 * back. Both keys are derived from CTI_DATA_KEY with HKDF, one per purpose.
 */
export class PhoneNumberCipher {
  private readonly encryptionKey: Buffer;
  private readonly lookupKey: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('CTI_DATA_KEY must be at least 32 characters');
    this.encryptionKey = Buffer.from(hkdfSync('sha256', secret, 'parley-cti', 'phone-number-encryption', 32));
    this.lookupKey = Buffer.from(hkdfSync('sha256', secret, 'parley-cti', 'phone-number-lookup', 32));
  }

  encrypt(tenantId: string, e164: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(tenantId.toLowerCase()));
    const body = Buffer.concat([cipher.update(e164, 'utf8'), cipher.final()]);
    return `${FORMAT}:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
  }

  decrypt(tenantId: string, stored: string): string {
    const [format, iv, tag, body] = stored.split(':');
    if (format !== FORMAT || iv === undefined || tag === undefined || body === undefined) throw new Error('an encrypted phone number has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(tenantId.toLowerCase()));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }

  /** The lookup column of a number: the same for the same tenant and number, different across tenants. */
  lookupHash(tenantId: string, e164: string): string {
    return createHmac('sha256', this.lookupKey).update(`${tenantId.toLowerCase()}:${e164}`).digest('base64url');
  }
}
