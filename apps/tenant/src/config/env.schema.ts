import { z } from 'zod';

const secret = (what: string) =>
  z.string({ error: `${what} is required` }).min(32, { error: `${what} must be at least 32 characters` }).describe(`${what} (secret)`);

/** Every setting of the tenant service, validated at boot. Secrets are marked "(secret)". */
export const tenantEnvSchema = z.object({
  HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(8080).describe('HTTP port of the API'),
  PG_URL: z.url().describe('PostgreSQL as the runtime role parley_app (row-level security applies) (secret)'),
  PG_MIGRATION_URL: z.url().optional().describe('PostgreSQL as the schema owner, to run migrations at boot; unset = migrations run by the Helm Job (secret)'),
  PG_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10).describe('Connections in the pool'),
  REDIS_URL: z.url().optional().describe('Redis for rate limits and login throttling; unset = in memory (one process only)'),
  KAFKA_BROKERS: z.string().optional().describe('Comma-separated Kafka bootstrap servers; unset = in-process bus'),
  JWT_SECRET: secret('JWT_SECRET'),
  JWT_ISSUER: z.string().default('parley').describe('iss of access tokens'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900).describe('Lifetime of access tokens'),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(30).describe('Lifetime of a refresh-token session'),
  SIP_DOMAIN: z.string().min(3).default('sip.parley.local').describe("Suffix of tenants' SIP domains: <slug>.<SIP_DOMAIN>"),
  SIP_CREDENTIAL_SECRET: secret('SIP_CREDENTIAL_SECRET'),
  SIP_CREDENTIAL_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600).describe('Lifetime of softphone SIP credentials'),
  SIP_WS_URL: z.string().default('ws://localhost:8080/sip').describe('SIP-over-WebSocket URL handed to softphones'),
  SIGNUP_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(20).describe('Signups per client address per hour'),
  LOGIN_SLOWDOWN_AFTER: z.coerce.number().int().min(1).default(3).describe('Failed logins before answers slow down'),
  LOGIN_LOCK_AFTER: z.coerce.number().int().min(2).default(10).describe('Failed logins (within the window) that lock the account'),
  LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).default(15).describe('How long a locked account stays locked'),
  INTERNAL_API_TOKEN: secret('INTERNAL_API_TOKEN').optional().describe('Token other Parley services send in x-parley-internal-token to read internal endpoints (the voice directory snapshot); unset = they answer 404 (secret)'),
  TRUST_PROXY: z.enum(['true', 'false']).default('false').describe('Take the client address from X-Forwarded-For (behind an ingress)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
});

export type TenantEnv = z.infer<typeof tenantEnvSchema>;

/** Reads and validates the environment; throws one error listing every bad variable. */
export function loadTenantEnv(env: NodeJS.ProcessEnv = process.env): TenantEnv {
  const parsed = tenantEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid tenant service configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
