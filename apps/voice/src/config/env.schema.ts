import { isIP } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { z } from 'zod';
import { type TrunkConfig } from '../calls/trunk-dialer';

const secret = (what: string) =>
  z.string({ error: `${what} is required` }).min(32, { error: `${what} must be at least 32 characters` }).describe(`${what} (secret)`);

const port = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number` })
    .min(1, { error: `${what} must be 1-65535` })
    .max(65535, { error: `${what} must be 1-65535` });

const HOST_NAME = /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const isHost = (value: string): boolean => isIP(value) !== 0 || HOST_NAME.test(value);
const isUnspecifiedIp = (value: string): boolean => value === '0.0.0.0' || value === '::';

/** One outbound trunk as TRUNKS lists it. */
const trunkEntrySchema = z
  .strictObject({
    name: z.string({ error: 'name must be a string' }).trim().min(1, { error: 'name must not be empty' }),
    address: z.string({ error: 'address must be a string' }).refine(isHost, { error: 'address must be an IP address or a host name' }),
    port: z.number({ error: 'port must be a number' }).int({ error: 'port must be a whole number' }).min(1, { error: 'port must be 1-65535' }).max(65535, { error: 'port must be 1-65535' }).default(5060),
    transport: z.enum(['udp', 'tcp'], { error: 'transport must be "udp" or "tcp"' }).default('udp'),
    domain: z.string({ error: 'domain must be a string' }).refine(isHost, { error: 'domain must be a host name or an IP address' }).optional(),
    username: z.string({ error: 'username must be a string' }).min(1, { error: 'username must not be empty' }).optional(),
    password: z.string({ error: 'password must be a string' }).min(1, { error: 'password must not be empty' }).optional(),
  })
  .refine((t) => (t.username === undefined) === (t.password === undefined), { error: 'username and password go together: give both or neither' });

/** What the JSON parser says about malformed TRUNKS without quoting it (it holds passwords). */
function jsonErrorWithoutInput(error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return position === undefined ? 'is not valid JSON' : `is not valid JSON (error at character ${position})`;
}

/** TRUNKS: a JSON array of trunks, the primary first; every problem names its entry (index and name). */
const trunksSchema = z
  .string()
  .default('[]')
  .transform((raw, ctx): TrunkConfig[] => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: jsonErrorWithoutInput(error), input: '(hidden: may hold passwords)' });
      return z.NEVER;
    }
    if (!Array.isArray(json)) {
      ctx.issues.push({ code: 'custom', message: 'must be a JSON array of trunks, e.g. [{"name":"primary","address":"sip.carrier.example","port":5060,"transport":"udp"}]', input: '(hidden)' });
      return z.NEVER;
    }
    const trunks: TrunkConfig[] = [];
    const seen = new Map<string, number>();
    json.forEach((entry: unknown, index) => {
      const name = typeof entry === 'object' && entry !== null && typeof (entry as { name?: unknown }).name === 'string' ? (entry as { name: string }).name : undefined;
      const label = name ? `entry ${index} ("${name}")` : `entry ${index}`;
      const parsed = trunkEntrySchema.safeParse(entry);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const where = issue.path.length > 0 && !issue.message.startsWith(String(issue.path[0])) ? `${issue.path.join('.')}: ` : '';
          ctx.issues.push({ code: 'custom', message: `${label}: ${where}${issue.message}`, input: '(hidden)' });
        }
        return;
      }
      const t = parsed.data;
      const earlier = seen.get(t.name);
      if (earlier !== undefined) {
        ctx.issues.push({ code: 'custom', message: `${label}: name "${t.name}" is already used by entry ${earlier}`, input: '(hidden)' });
        return;
      }
      seen.set(t.name, index);
      trunks.push({
        name: t.name,
        destination: { transport: t.transport, address: t.address, port: t.port },
        ...(t.domain !== undefined ? { domain: t.domain } : {}),
        ...(t.username !== undefined && t.password !== undefined ? { credentials: { username: t.username, password: t.password } } : {}),
      });
    });
    return trunks;
  });

/** KAFKA_BROKERS: `host:port` entries, comma-separated. */
const brokersSchema = z
  .string({ error: 'KAFKA_BROKERS is required (comma-separated host:port of the Kafka bootstrap servers)' })
  .transform((raw, ctx): string[] => {
    const brokers = raw
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0);
    if (brokers.length === 0) ctx.issues.push({ code: 'custom', message: 'must name at least one broker as host:port', input: raw });
    for (const broker of brokers) {
      const match = /^(.+):(\d{1,5})$/.exec(broker);
      const host = match?.[1]?.replace(/^\[(.*)\]$/, '$1');
      const portNumber = Number(match?.[2]);
      if (!match || !host || !isHost(host) || portNumber < 1 || portNumber > 65535) ctx.issues.push({ code: 'custom', message: `"${broker}" is not host:port`, input: raw });
    }
    return brokers;
  });

/** Every setting of the voice service (one voice node), validated at boot. Secrets are marked "(secret)". */
export const voiceEnvShape = {
  VOICE_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: 'VOICE_NODE_ID must be 1-63 letters, digits, ".", "_" or "-"' })
    .default(() => hostname())
    .describe("This node's id: in its consumer groups, in the call registry and in SIP bindings (default: the host name, i.e. the pod name)"),
  HTTP_PORT: port('HTTP_PORT').default(8080).describe('HTTP port: /health, /ready, /metrics, and SIP over WebSocket at /sip'),
  SIP_BIND_ADDRESS: z
    .string()
    .refine((v) => isIP(v) !== 0, { error: 'SIP_BIND_ADDRESS must be an IP address (0.0.0.0 = every interface)' })
    .default('0.0.0.0')
    .describe('Address SIP (UDP and TCP) and RTP listen on'),
  SIP_ADVERTISED_ADDRESS: z
    .string()
    .refine(isHost, { error: 'SIP_ADVERTISED_ADDRESS must be an IP address or a host name' })
    .refine((v) => !isUnspecifiedIp(v), { error: 'SIP_ADVERTISED_ADDRESS must be an address peers can reach, not 0.0.0.0 or ::' })
    .optional()
    .describe('Address in the Via of SIP messages this node sends: where carriers reach its SIP port, an IP or a host name (default: SIP_BIND_ADDRESS when that is a specific IP)'),
  SIP_PORT: port('SIP_PORT').default(5060).describe('SIP port, UDP and TCP'),
  RTP_PORT_MIN: z.coerce.number().int().min(1024, { error: 'RTP_PORT_MIN must be 1024-65535' }).max(65535, { error: 'RTP_PORT_MIN must be 1024-65535' }).default(20000).describe('First port of the RTP range (UDP)'),
  RTP_PORT_MAX: z.coerce.number().int().min(1024, { error: 'RTP_PORT_MAX must be 1024-65535' }).max(65535, { error: 'RTP_PORT_MAX must be 1024-65535' }).default(29999).describe('Last port of the RTP range (UDP)'),
  RTP_ADVERTISED_ADDRESS: z
    .string()
    .refine((v) => isIP(v) !== 0 && !isUnspecifiedIp(v), { error: 'RTP_ADVERTISED_ADDRESS must be a specific IP address (it goes into SDP and ICE candidates)' })
    .optional()
    .describe("IP put in SDP (c=), in the Contact of calls and in WebRTC ICE candidates: this node's own address (default: SIP_ADVERTISED_ADDRESS when that is an IP)"),
  MEDIA_WORKERS: z.coerce
    .number()
    .int()
    .min(0, { error: 'MEDIA_WORKERS must be 0-64' })
    .max(64, { error: 'MEDIA_WORKERS must be 0-64' })
    .default(() => availableParallelism())
    .describe('Worker threads for media, each with a slice of the RTP range (default: the number of cores); 0 = media in the main thread'),
  MEDIA_INACTIVITY_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3600).default(60).describe('A call leg that receives no RTP for this long is reported inactive; 0 = never'),
  KAFKA_BROKERS: brokersSchema.describe('Comma-separated Kafka bootstrap servers (host:port)'),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: (issue) => (issue.input === undefined ? 'REDIS_URL is required' : 'REDIS_URL must be a redis:// or rediss:// URL') })
    .describe('Redis shared by the voice nodes: SIP bindings, the call registry, SIP auth-failure counters (may hold a password: secret)'),
  SIP_CREDENTIAL_SECRET: secret('SIP_CREDENTIAL_SECRET'),
  SIP_NONCE_SECRET: secret('SIP_NONCE_SECRET'),
  RECORDINGS_DIR: z.string().min(1).default('/var/lib/parley/recordings').describe('Where stereo call recordings are written'),
  TTS_CACHE_DIR: z.string().min(1).default('/var/cache/parley/tts').describe('Where rendered text-to-speech prompts are cached'),
  HOLD_MUSIC_PATH: z.string().min(1).optional().describe('Music on hold (8 kHz mono WAV); default: a rendered melody'),
  TRUNKS: trunksSchema.describe(
    'JSON array of trunks for calls to outside numbers, primary first: {name, address, port (5060), transport ("udp"|"tcp"), domain?, username?, password?} (secret: holds passwords)',
  ),
  TENANT_DIRECTORY_URL: z
    .url({ protocol: /^https?$/, error: (issue) => (issue.input === undefined ? 'TENANT_DIRECTORY_URL is required' : 'TENANT_DIRECTORY_URL must be an http(s) URL') })
    .describe("The tenant service's voice directory snapshot (GET), loaded at boot: e.g. http://parley-tenant/api/v1/internal/v1/voice-directory"),
  INTERNAL_API_TOKEN: secret('INTERNAL_API_TOKEN').describe("Sent as x-parley-internal-token to the tenant service's internal endpoints; the tenant service's INTERNAL_API_TOKEN (secret)"),
  DRAIN_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3600).default(300).describe('On SIGTERM: how long calls in progress may go on (no new calls are taken) before the rest are ended'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
};

/**
 * The voice service's settings, with the advertised addresses worked out: SIP's defaults to the
 * bind address when that is a specific IP, RTP's to SIP's when that is an IP.
 */
export const voiceEnvSchema = z.object(voiceEnvShape).transform((env, ctx) => {
  const sipAdvertised = env.SIP_ADVERTISED_ADDRESS ?? (isUnspecifiedIp(env.SIP_BIND_ADDRESS) ? undefined : env.SIP_BIND_ADDRESS);
  if (sipAdvertised === undefined) {
    ctx.issues.push({ code: 'custom', path: ['SIP_ADVERTISED_ADDRESS'], message: `SIP_ADVERTISED_ADDRESS is required when SIP_BIND_ADDRESS is ${env.SIP_BIND_ADDRESS} (peers cannot reach that)`, input: undefined });
  }
  const rtpAdvertised = env.RTP_ADVERTISED_ADDRESS ?? (sipAdvertised !== undefined && isIP(sipAdvertised) !== 0 ? sipAdvertised : undefined);
  if (rtpAdvertised === undefined && sipAdvertised !== undefined) {
    ctx.issues.push({ code: 'custom', path: ['RTP_ADVERTISED_ADDRESS'], message: `RTP_ADVERTISED_ADDRESS is required when SIP_ADVERTISED_ADDRESS is a host name ("${sipAdvertised}"): SDP and ICE need an IP`, input: undefined });
  }
  const pairs = Math.floor((env.RTP_PORT_MAX + 1 - (env.RTP_PORT_MIN + (env.RTP_PORT_MIN % 2))) / 2);
  if (env.RTP_PORT_MIN >= env.RTP_PORT_MAX) {
    ctx.issues.push({ code: 'custom', path: ['RTP_PORT_MAX'], message: `RTP_PORT_MAX (${env.RTP_PORT_MAX}) must be above RTP_PORT_MIN (${env.RTP_PORT_MIN})`, input: env.RTP_PORT_MAX });
  } else if (pairs < Math.max(1, env.MEDIA_WORKERS)) {
    ctx.issues.push({ code: 'custom', path: ['RTP_PORT_MAX'], message: `RTP_PORT_MIN-RTP_PORT_MAX holds ${pairs} RTP/RTCP port pairs: too few for ${env.MEDIA_WORKERS} media workers`, input: env.RTP_PORT_MAX });
  }
  if (env.SIP_PORT >= env.RTP_PORT_MIN && env.SIP_PORT <= env.RTP_PORT_MAX) {
    ctx.issues.push({ code: 'custom', path: ['SIP_PORT'], message: `SIP_PORT (${env.SIP_PORT}) lies inside the RTP range ${env.RTP_PORT_MIN}-${env.RTP_PORT_MAX}`, input: env.SIP_PORT });
  }
  if (env.SIP_PORT === env.HTTP_PORT) {
    ctx.issues.push({ code: 'custom', path: ['HTTP_PORT'], message: `HTTP_PORT and SIP_PORT are both ${env.SIP_PORT}: SIP over TCP and HTTP cannot share a port`, input: env.HTTP_PORT });
  }
  if (sipAdvertised === undefined || rtpAdvertised === undefined) return z.NEVER;
  return { ...env, SIP_ADVERTISED_ADDRESS: sipAdvertised, RTP_ADVERTISED_ADDRESS: rtpAdvertised };
});

export type VoiceEnv = z.output<typeof voiceEnvSchema>;

/** Reads and validates the environment; throws one error listing every bad variable. */
export function loadVoiceEnv(env: NodeJS.ProcessEnv = process.env): VoiceEnv {
  const parsed = voiceEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new Error(`invalid voice service configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
