import { z } from 'zod';

const secret = (what: string) =>
  z.string({ error: `${what} is required` }).min(32, { error: `${what} must be at least 32 characters` }).describe(`${what} (secret)`);

const flag = (description: string) => z.enum(['true', 'false']).default('false').describe(description);

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Every setting of the acd service, validated at boot. Secrets are marked "(secret)". */
export const acdEnvSchema = z.object({
  HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(8080).describe('HTTP port of the API'),
  PG_URL: z.url().describe('PostgreSQL as the runtime role parley_app (row-level security applies) (secret)'),
  PG_MIGRATION_URL: z.url().optional().describe('PostgreSQL as the schema owner, to run migrations at boot; unset = migrations run by the Helm Job (secret)'),
  PG_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10).describe('Connections in the pool (the input listener holds one more of its own)'),
  REDIS_URL: z
    .url()
    .optional()
    .describe('Redis for agent live state, reservations and tenant leases; unset = in memory (one acd instance only: several instances need Redis)'),
  KAFKA_BROKERS: z.string().optional().describe('Comma-separated Kafka bootstrap servers; unset = in-process bus'),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(6_000)
    .max(300_000)
    .default(30_000)
    .describe("How long Kafka waits for a silent acd instance before giving its partitions to the others (the events of a dead instance's partitions wait that long)"),
  KAFKA_CONSUMER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(12)
    .describe("Partitions one instance handles at the same time (one message at a time per partition); the inputs of one tenant that arrive together are saved together"),
  JWT_SECRET: secret('JWT_SECRET'),
  JWT_ISSUER: z.string().default('parley').describe('iss of the access tokens this service accepts'),
  ACD_DATA_KEY: secret('ACD_DATA_KEY').describe('Key that encrypts callback numbers and keys the hashes of caller numbers (secret)'),
  TRUST_PROXY: flag('Take the client address from X-Forwarded-For (behind an ingress)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  ACD_INSTANCE_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { error: 'must be 1-41 lower-case letters, digits or "-"' })
    .optional()
    .describe('Names this instance in leases, offer ids and agent state changes; default acd-<random>'),
  ACD_CONSUMER_GROUP_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,99}$/, { error: 'must be lower-case letters, digits, ".", "-" or "_"' })
    .default('acd')
    .describe('Prefix of the Kafka consumer groups (`<prefix>.routing`, `<prefix>.seats`); every instance of one deployment uses the same'),
  ACD_SEATS_CONSUMER_GROUP: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,99}$/, { error: 'must be lower-case letters, digits, ".", "-" or "_"' })
    .optional()
    .describe('The Kafka consumer group of the seat projection, when not `<ACD_CONSUMER_GROUP_PREFIX>.seats`'),
  ACD_TENANT_LEASE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(120_000)
    .default(10_000)
    .describe("How long an instance's hold on a tenant's routing engine lasts without renewal: another instance takes the tenant's calls over this long after the instance died"),
  ACD_SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(1_000)
    .describe('How often an instance looks for tenants with calls or inputs and no live engine, and prunes old rows'),
  ACD_RING_MARGIN_MS: z.coerce
    .number()
    .int()
    .min(200)
    .max(10_000)
    .default(1_500)
    .describe("How much sooner than the queue's offer timeout voice stops ringing an agent, so its ring-timeout failure (487) ends the offer before the engine's own timer"),
  ACD_STATS_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000).describe('Live statistics events are published at most this often per queue and agent (when they changed)'),
  ACD_DEFAULT_TIME_ZONE: z
    .string()
    .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' })
    .default('UTC')
    .describe("The time zone of 'today' in statistics for a tenant that set none (PUT /api/v1/acd/settings)"),
  ACD_CALLBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3).describe('Calls placed to a callback customer who does not answer before the callback is given up'),
  ACD_CALLBACK_RETRY_SECONDS: z.coerce.number().int().min(5).max(3_600).default(120).describe('Wait between two attempts to call a callback customer back'),
  ACD_REPLY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(500)
    .max(60_000)
    .default(5_000)
    .describe("How long a request that the tenant's engine on another instance must answer (agent state, live statistics) waits before it fails with 503"),
  ACD_ROUTED_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(900)
    .describe('A routed call (ivr.call.routed.v1) older than this when the acd first sees it is dropped: its caller is gone, and a callback that old is not placed'),
  ACD_CALL_RETENTION_HOURS: z.coerce.number().int().min(1).max(8_760).default(72).describe('Finished calls are deleted after this long (their decisions stay)'),
});

export type AcdEnv = z.infer<typeof acdEnvSchema>;

/** Reads and validates the environment; throws one error listing every bad variable. */
export function loadAcdEnv(env: NodeJS.ProcessEnv = process.env): AcdEnv {
  const parsed = acdEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid acd service configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
