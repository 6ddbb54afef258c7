import type { Role } from '@parley/contracts';

/** A person signed in with an access token. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  tenantId: string;
  tenantSlug: string;
  role: Role;
  sessionId: string;
  hasSeat: boolean;
}

/** An integration calling with a tenant API key. */
export interface ApiKeyPrincipal {
  kind: 'api-key';
  tenantId: string;
  apiKeyId: string;
  role: Role;
}

/** Who is calling: attached to the request by `JwtAuthGuard` as `request.principal`. */
export type AuthPrincipal = UserPrincipal | ApiKeyPrincipal;

/** What an `ApiKeyVerifier` says about a valid key. */
export type ApiKeyIdentity = Omit<ApiKeyPrincipal, 'kind'>;

/**
 * Looks up and checks an API key (implemented by the tenant service over its key table, with
 * `parseApiKey` and `verifyApiKeySecret`). Provide it with `AUTH_API_KEY_VERIFIER`.
 */
export interface ApiKeyVerifier {
  /** The key's identity, or null when the key is unknown, revoked or wrong. Throw only for outages. */
  verify(apiKey: string): Promise<ApiKeyIdentity | null>;
}

/**
 * The part of an HTTP request the auth pieces read and write.
 * Coupling: libs/telemetry reads `request.principal?.tenantId` (structurally) for its log context.
 */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: AuthPrincipal;
}
