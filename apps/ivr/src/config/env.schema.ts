import { z } from 'zod';

const secret = (what: string) =>
  z.string({ error: `${what} is required` }).min(32, { error: `${what} must be at least 32 characters` }).describe(`${what} (secret)`);

const flag = (description: string) => z.enum(['true', 'false']).default('false').describe(description);

/** Every setting of the ivr service, validated at boot. Secrets are marked "(secret)". */
export const ivrEnvSchema = z.object({
  HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(8080).describe('HTTP port of the API'),
  PG_URL: z.url().describe('PostgreSQL as the runtime role parley_app (row-level security applies) (secret)'),
  PG_MIGRATION_URL: z.url().optional().describe('PostgreSQL as the schema owner, to run migrations at boot; unset = migrations run by the Helm Job (secret)'),
  PG_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10).describe('Connections in the pool (the timer scheduler holds one more of its own)'),
  REDIS_URL: z.url().optional().describe('Redis for the per-tenant simulation rate limit; unset = in memory (one process only)'),
  KAFKA_BROKERS: z.string().optional().describe('Comma-separated Kafka bootstrap servers; unset = in-process bus'),
  JWT_SECRET: secret('JWT_SECRET'),
  JWT_ISSUER: z.string().default('parley').describe('iss of the access tokens this service accepts'),
  TRUST_PROXY: flag('Take the client address from X-Forwarded-For (behind an ingress)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  IVR_CALL_START_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(2500)
    .describe("A voice.call.started.v1 older than this is left to voice's emergency path (which takes a call nobody commands within 3 s) instead of being answered late"),
  IVR_WEBHOOK_ALLOW_PRIVATE: flag('Let data-dip webhooks reach loopback, private, link-local and other non-public addresses (tests and on-premises only)'),
  IVR_WEBHOOK_CA_FILE: z.string().min(1).optional().describe("PEM file of extra certificate authorities trusted for data-dip webhooks, besides Node's bundled ones"),
  IVR_WEBHOOK_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(65_536).describe('Largest webhook answer read; a longer one fails the data dip as too-large'),
  IVR_TIMER_POLL_MS: z.coerce.number().int().min(20).max(10_000).default(250).describe('How often the active timer scheduler looks for due call timers'),
  IVR_CALL_STATE_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(12).describe('A call state not touched for this long is deleted (its call is long gone)'),
  IVR_INBOX_RETENTION_HOURS: z.coerce.number().int().min(1).max(8760).default(168).describe('How long handled message ids are kept to drop redeliveries (longer than any redelivery can take)'),
  IVR_SIMULATIONS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(60).describe('Flow simulations one tenant may run per minute'),
});

export type IvrEnv = z.infer<typeof ivrEnvSchema>;

/** Reads and validates the environment; throws one error listing every bad variable. */
export function loadIvrEnv(env: NodeJS.ProcessEnv = process.env): IvrEnv {
  const parsed = ivrEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid ivr service configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
