/** Injection token of the `TokenService` the guard verifies access tokens with. */
export const AUTH_TOKEN_SERVICE = Symbol.for('parley:auth:token-service');

/** Injection token of the optional `ApiKeyVerifier` (header `X-Api-Key`). */
export const AUTH_API_KEY_VERIFIER = Symbol.for('parley:auth:api-key-verifier');

/**
 * Route metadata key of `@Public()`.
 * Coupling: libs/telemetry marks /health, /ready and /metrics public by setting this same literal
 * key itself (telemetry must not depend on auth). Change both together.
 */
export const IS_PUBLIC_KEY = 'parley:isPublic';

/** Route metadata key of `@Roles(...)`. */
export const ROLES_KEY = 'parley:roles';

/** Request header carrying a tenant API key. */
export const API_KEY_HEADER = 'x-api-key';
