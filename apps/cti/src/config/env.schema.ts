import { z } from 'zod';

const secret = (what: string) =>
  z.string({ error: `${what} is required` }).min(32, { error: `${what} must be at least 32 characters` }).describe(`${what} (secret)`);

const flag = (description: string) => z.enum(['true', 'false']).default('false').describe(description);

const groupName = z.string().regex(/^[a-z][a-z0-9_.-]{0,99}$/, { error: 'must be lower-case letters, digits, ".", "-" or "_"' });

/** Every setting of the cti service, validated at boot. Secrets are marked "(secret)". */
export const ctiEnvSchema = z.object({
  HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(8080).describe('HTTP port of the API and the desktop WebSocket'),
  PG_URL: z.url().describe('PostgreSQL as the runtime role parley_app (row-level security applies) (secret)'),
  PG_MIGRATION_URL: z.url().optional().describe('PostgreSQL as the schema owner, to run migrations at boot; unset = migrations run by the Helm Job (secret)'),
  PG_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10).describe('Connections in the pool'),
  REDIS_URL: z
    .url()
    .optional()
    .describe('Redis for WebSocket tickets, desktop takeover and pushes between instances (pub/sub); unset = in memory (one cti instance only)'),
  KAFKA_BROKERS: z.string().optional().describe('Comma-separated Kafka bootstrap servers; unset = in-process bus'),
  JWT_SECRET: secret('JWT_SECRET'),
  JWT_ISSUER: z.string().default('parley').describe('iss of the access tokens this service accepts'),
  CTI_DATA_KEY: secret('CTI_DATA_KEY').describe("Key that encrypts customers' phone numbers (AES-256-GCM) and keys their lookup hashes (HMAC-SHA-256) (secret)"),
  TRUST_PROXY: flag('Take the client address from X-Forwarded-For (behind an ingress)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  CTI_INSTANCE_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { error: 'must be 1-41 lower-case letters, digits or "-"' })
    .optional()
    .describe('Names this instance in logs and desktop sessions; default cti-<random>'),
  CTI_CONSUMER_GROUP_PREFIX: groupName.default('cti').describe('Prefix of the Kafka consumer groups (`<prefix>.calls`, `<prefix>.seats`, `<prefix>.live`)'),
  CTI_SEATS_CONSUMER_GROUP: groupName.optional().describe('The Kafka consumer group of the seat projection, when not `<CTI_CONSUMER_GROUP_PREFIX>.seats`'),
  CTI_CRM_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(1_500)
    .default(1_500)
    .describe("How long the screen pop waits for the tenant's CRM webhook (the pop goes out with crm.status timeout after it)"),
  CTI_CRM_ALLOW_PRIVATE: flag('Let CRM webhooks reach loopback, private and other non-public addresses (tests and on-premises only)'),
  CTI_CRM_CA_FILE: z.string().min(1).optional().describe("PEM file of extra certificate authorities trusted for CRM webhooks, besides Node's bundled ones"),
  CTI_CRM_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(65_536).describe('Largest CRM answer read; a longer one makes crm.status error'),
  CTI_WS_TICKET_TTL_SECONDS: z.coerce.number().int().min(5).max(120).default(30).describe('How long a WebSocket ticket (POST /api/v1/cti/ws-tickets) may wait before it is used; it works once'),
  CTI_WS_HEARTBEAT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(120_000)
    .default(15_000)
    .describe('WebSocket ping interval; a desktop that misses two in a row is closed'),
  CTI_WS_MAX_MESSAGE_BYTES: z.coerce.number().int().min(256).max(65_536).default(4_096).describe('Largest message a desktop may send'),
  CTI_LAST_CALLS: z.coerce.number().int().min(0).max(50).default(5).describe("How many of the caller's previous calls the screen pop lists"),
});

export type CtiEnv = z.infer<typeof ctiEnvSchema>;

/** Reads and validates the environment; throws one error listing every bad variable. */
export function loadCtiEnv(env: NodeJS.ProcessEnv = process.env): CtiEnv {
  const parsed = ctiEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid cti service configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
