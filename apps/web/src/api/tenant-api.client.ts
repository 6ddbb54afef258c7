import {
  localeSchema,
  loginRequestSchema,
  planIdSchema,
  refreshRequestSchema,
  roleSchema,
  signupRequestSchema,
  type LoginRequest,
  type SignupRequest,
  type SignupResponse,
  type TenantView,
  type TokenPair,
  type UserView,
} from '@parley/contracts';
import { z } from 'zod';
import { callApi, validatedBody as validated } from './api-call';
import { type HttpRequest, type HttpTransport } from './http-transport';

const tokenPairSchema: z.ZodType<TokenPair> = z.object({
  accessToken: z.string().min(1),
  expiresIn: z.number().positive(),
  refreshToken: z.string().min(1),
  refreshExpiresAt: z.string(),
  tokenType: z.literal('Bearer'),
});

export const userViewSchema: z.ZodType<UserView> = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  locale: localeSchema,
  active: z.boolean(),
  hasSeat: z.boolean(),
  createdAt: z.string(),
});

const tenantViewSchema: z.ZodType<TenantView> = z.object({
  id: z.string(),
  slug: z.string(),
  companyName: z.string(),
  locale: localeSchema,
  plan: planIdSchema,
  seatLimit: z.number(),
  sipDomain: z.string(),
  createdAt: z.string(),
});

const signupResponseSchema: z.ZodType<SignupResponse> = z.object({ tenant: tenantViewSchema, user: userViewSchema, tokens: tokenPairSchema });

export { InvalidRequestError } from './api-call';

/**
 * The tenant service's HTTP API (signup, sessions, the signed-in user). Request bodies are checked
 * with the contract's zod schemas before they are sent and sent as the schemas normalize them
 * (trimmed, lower-cased email); answers are checked against the contract's response types.
 * Error answers reject with ApiError (status, message and per-field errors).
 */
export class TenantApiClient {
  constructor(private readonly transport: HttpTransport) {}

  async signup(request: SignupRequest): Promise<SignupResponse> {
    const body = validated('/signup', signupRequestSchema, request);
    return this.send({ method: 'POST', path: '/signup', body }, 201, signupResponseSchema);
  }

  async login(request: LoginRequest): Promise<TokenPair> {
    const body = validated('/auth/login', loginRequestSchema, request);
    return this.send({ method: 'POST', path: '/auth/login', body }, 200, tokenPairSchema);
  }

  /** Trades a refresh token for a new pair; the old refresh token stops working (rotation). */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const body = validated('/auth/refresh', refreshRequestSchema, { refreshToken });
    return this.send({ method: 'POST', path: '/auth/refresh', body }, 200, tokenPairSchema);
  }

  /** Ends the refresh token's session on the server (idempotent there). */
  async logout(refreshToken: string): Promise<void> {
    const body = validated('/auth/logout', refreshRequestSchema, { refreshToken });
    await this.send({ method: 'POST', path: '/auth/logout', body }, 204, null);
  }

  /** The signed-in user: role and locale. */
  async me(accessToken: string): Promise<UserView> {
    return this.send({ method: 'GET', path: '/me', accessToken }, 200, userViewSchema);
  }

  private send<T>(request: HttpRequest, expectedStatus: number, schema: z.ZodType<T>): Promise<T>;
  private send(request: HttpRequest, expectedStatus: number, schema: null): Promise<void>;
  private send<T>(request: HttpRequest, expectedStatus: number, schema: z.ZodType<T> | null): Promise<T | void> {
    return schema ? callApi(this.transport, request, expectedStatus, schema) : callApi(this.transport, request, expectedStatus, null);
  }
}
