import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Settings of the all-in-one runner; everything has an embedded default. */
export const platformEnvSchema = z.object({
  PARLEY_DATA_DIR: z.string().default('.data').describe('Where embedded PostgreSQL, S3 objects and generated secrets live'),
  HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(8080).describe('HTTP port (API, docs, health, web app)'),
  HTTP_HOST: z.string().default('127.0.0.1').describe('Address to listen on'),
  PARLEY_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329).describe('Port of the embedded PostgreSQL'),
  PARLEY_S3_PORT: z.coerce.number().int().min(1).max(65535).default(4569).describe('Port of the embedded S3 (s3rver)'),
  PARLEY_DEMO_PASSWORD: z.string().min(10).optional().describe("Password of the demo tenant's owner at first start (secret); default: generated and printed once"),
  SIP_DOMAIN: z.string().default('sip.parley.local').describe("Suffix of tenants' SIP domains"),
  SIP_PORT: z.coerce.number().int().min(1).max(65535).default(5060).describe('SIP over UDP and TCP for carriers and sipp'),
  SIP_BIND_ADDRESS: z.string().default('127.0.0.1').describe('Address SIP and RTP listen on'),
  SIP_ADVERTISED_ADDRESS: z.string().optional().describe('Address put in Contact and SDP (default: SIP_BIND_ADDRESS)'),
  RTP_PORT_MIN: z.coerce.number().int().min(1024).max(65535).default(20000).describe('First RTP port'),
  RTP_PORT_MAX: z.coerce.number().int().min(1024).max(65535).default(29999).describe('Last RTP port'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type PlatformEnv = z.infer<typeof platformEnvSchema>;

export function loadPlatformEnv(env: NodeJS.ProcessEnv = process.env): PlatformEnv & { dataDir: string } {
  const parsed = platformEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.PARLEY_DATA_DIR) };
}

export interface PlatformSecrets {
  jwtSecret: string;
  sipCredentialSecret: string;
  pgSuperuserPassword: string;
  pgOwnerPassword: string;
  pgAppPassword: string;
  sipNonceSecret: string;
  acdDataKey: string;
  ctiDataKey: string;
}

/** Secrets added after the first releases: an older secrets file lacks them, and gets them filled in and saved. */
type AddedLater = 'sipNonceSecret' | 'acdDataKey' | 'ctiDataKey';
type StoredSecrets = Omit<PlatformSecrets, AddedLater> & Partial<Pick<PlatformSecrets, AddedLater>>;

/**
 * Secrets generated at first start and kept in `<data>/secrets.json` (mode 600), so tokens and
 * database passwords survive restarts. Production takes them from Kubernetes secrets instead.
 */
export function loadOrCreateSecrets(dataDir: string): PlatformSecrets {
  const file = join(dataDir, 'secrets.json');
  const secret = (): string => randomBytes(32).toString('base64url');
  if (existsSync(file)) {
    const existing = JSON.parse(readFileSync(file, 'utf8')) as StoredSecrets;
    const completed: PlatformSecrets = {
      ...existing,
      sipNonceSecret: existing.sipNonceSecret ?? secret(),
      acdDataKey: existing.acdDataKey ?? secret(),
      ctiDataKey: existing.ctiDataKey ?? secret(),
    };
    if (existing.sipNonceSecret !== undefined && existing.acdDataKey !== undefined && existing.ctiDataKey !== undefined) return completed;
    writeFileSync(file, `${JSON.stringify(completed, null, 2)}\n`, { mode: 0o600 });
    return completed;
  }
  const secrets: PlatformSecrets = {
    jwtSecret: secret(),
    sipCredentialSecret: secret(),
    pgSuperuserPassword: secret(),
    pgOwnerPassword: secret(),
    pgAppPassword: secret(),
    sipNonceSecret: secret(),
    acdDataKey: secret(),
    ctiDataKey: secret(),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
