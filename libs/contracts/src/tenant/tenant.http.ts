import { z } from 'zod';
import { localeSchema, planIdSchema, type Locale } from './tenant.events';
import { roleSchema } from './roles';

/** Request and response bodies of the tenant service's HTTP API (/api/v1), shared with the web app. */

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** Slugs that would collide with product hosts, routes or SIP names. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin', 'administrator', 'api', 'app', 'apps', 'auth', 'billing', 'blog', 'cdn', 'console', 'dashboard',
  'demo-admin', 'dev', 'docs', 'help', 'internal', 'login', 'logout', 'mail', 'metrics', 'null', 'parley',
  'root', 'signup', 'sip', 'smtp', 'static', 'status', 'support-team', 'system', 'test', 'undefined', 'www',
  'ws', 'wss', 'health', 'ready', 'assets', 'static', 'stun', 'turn', 'voice', 'media', 'security', 'abuse',
]);

const email = z
  .string({ error: 'must be a string' })
  .trim()
  .toLowerCase()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be an email address' }));

const personName = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(120, { error: 'must be at most 120 characters' });

export const slugSchema = z
  .string({ error: 'must be a string' })
  .min(3, { error: 'must be at least 3 characters' })
  .max(40, { error: 'must be at most 40 characters' })
  .regex(SLUG_PATTERN, { error: 'must be lowercase letters, digits and hyphens, not starting or ending with a hyphen' })
  .refine((s) => !RESERVED_SLUGS.has(s), { error: 'is a reserved word' });

/** Length only; the service also refuses common passwords. */
export const newPasswordSchema = z
  .string({ error: 'must be a string' })
  .min(10, { error: 'must be at least 10 characters' })
  .max(256, { error: 'must be at most 256 characters' });

export const signupRequestSchema = z.strictObject({
  companyName: personName,
  slug: slugSchema,
  adminName: personName,
  adminEmail: email,
  password: newPasswordSchema,
  locale: localeSchema.optional(),
});
export type SignupRequest = z.infer<typeof signupRequestSchema>;

export const loginRequestSchema = z.strictObject({
  tenant: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(40, { error: 'must be at most 40 characters' }),
  email,
  password: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(256, { error: 'must be at most 256 characters' }),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const refreshRequestSchema = z.strictObject({
  refreshToken: z.string({ error: 'must be a string' }).min(20, { error: 'is not a refresh token' }).max(512, { error: 'is not a refresh token' }),
});
export type RefreshRequest = z.infer<typeof refreshRequestSchema>;

export const createUserRequestSchema = z.strictObject({
  email,
  name: personName,
  role: roleSchema.exclude(['owner']),
  password: newPasswordSchema,
  locale: localeSchema.optional(),
});
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

export const updateUserRequestSchema = z
  .strictObject({
    name: personName.optional(),
    role: roleSchema.exclude(['owner']).optional(),
    locale: localeSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'must change at least one of name, role, locale' });
export type UpdateUserRequest = z.infer<typeof updateUserRequestSchema>;

/** A phone number as typed; the service normalizes it to E.164 (libphonenumber-js) or says why it is not one. */
const phoneNumberInput = z
  .string({ error: 'must be a string' })
  .min(3, { error: 'must be an E.164 number such as +18005550100' })
  .max(20, { error: 'must be an E.164 number such as +18005550100' });

export const addPhoneNumberRequestSchema = z.strictObject({
  e164: phoneNumberInput,
  label: z.string({ error: 'must be a string' }).trim().max(80, { error: 'must be at most 80 characters' }).optional(),
});
export type AddPhoneNumberRequest = z.infer<typeof addPhoneNumberRequestSchema>;

export const createApiKeyRequestSchema = z.strictObject({
  name: personName,
});
export type CreateApiKeyRequest = z.infer<typeof createApiKeyRequestSchema>;

export interface TokenPair {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
  tokenType: 'Bearer';
}

export interface TenantView {
  id: string;
  slug: string;
  companyName: string;
  locale: z.infer<typeof localeSchema>;
  plan: z.infer<typeof planIdSchema>;
  seatLimit: number;
  sipDomain: string;
  createdAt: string;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: z.infer<typeof roleSchema>;
  locale: z.infer<typeof localeSchema>;
  active: boolean;
  hasSeat: boolean;
  createdAt: string;
}

export interface SignupResponse {
  tenant: TenantView;
  user: UserView;
  tokens: TokenPair;
}

export interface PhoneNumberView {
  id: string;
  e164: string;
  label: string | null;
  assignedAt: string;
}

export interface SeatSummary {
  seatLimit: number;
  seatsInUse: number;
  holders: { userId: string; assignedAt: string }[];
}

export interface SipCredentials {
  username: string;
  password: string;
  realm: string;
  /** Unix seconds after which the password stops working. */
  expiresAt: number;
  websocketUrl: string;
  uri: string;
}

/** The body of every 4xx/5xx answer. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** For validation errors: each offending field (dotted path) and why. */
  fields?: { path: string; message: string }[];
}

export const updateTenantRequestSchema = z
  .strictObject({
    companyName: personName.optional(),
    locale: localeSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'must change at least one of companyName, locale' });
export type UpdateTenantRequest = z.infer<typeof updateTenantRequestSchema>;

/** The longest fallback prompt a tenant may set, in characters. */
export const FALLBACK_PROMPT_MAX_LENGTH = 500;

/** Control characters other than tab, line feed and carriage return: nothing a speech engine should get (and NUL, which PostgreSQL refuses). */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

export const fallbackPromptSchema = z.strictObject({
  text: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(FALLBACK_PROMPT_MAX_LENGTH, { error: `must be at most ${FALLBACK_PROMPT_MAX_LENGTH} characters` })
    .refine((text) => !hasControlCharacter(text), { error: 'must not contain control characters (tabs and line breaks are fine)' }),
  locale: localeSchema,
});
export type FallbackPrompt = z.infer<typeof fallbackPromptSchema>;

/**
 * The whole of a tenant's voice emergency settings (PUT replaces them): what voice does with a new
 * call that no service commands within 3 s. `null` clears a setting.
 */
export const updateVoiceSettingsRequestSchema = z.strictObject({
  /** Where the call is forwarded after the prompt; null: voice hangs up politely instead. */
  backupNumber: phoneNumberInput.nullable(),
  /** What the caller hears first; null: voice's built-in apology. */
  fallbackPrompt: fallbackPromptSchema.nullable(),
});
export type UpdateVoiceSettingsRequest = z.infer<typeof updateVoiceSettingsRequestSchema>;

export interface VoiceSettingsView {
  /** E.164, normalized. */
  backupNumber: string | null;
  fallbackPrompt: { text: string; locale: Locale } | null;
  /** When the settings last changed; null while the tenant never set them. */
  updatedAt: string | null;
}
