import { Inject, Injectable, Optional, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_KEY_HEADER, AUTH_API_KEY_VERIFIER, AUTH_TOKEN_SERVICE, IS_PUBLIC_KEY } from './auth.constants';
import type { ApiKeyVerifier, AuthenticatedRequest, AuthPrincipal } from './auth-principal';
import { InvalidTokenError, TokenService } from './token.service';

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)[ ]*$/i;

interface ResponseWithHeaders {
  setHeader?(name: string, value: string): unknown;
}

/**
 * Authenticates every HTTP request (register it globally through `AuthModule`): a valid
 * `Authorization: Bearer <access token>` or, when an `ApiKeyVerifier` is provided, a valid
 * `X-Api-Key`, becomes `request.principal`. Anything else is a 401
 * `{ statusCode: 401, error: 'Unauthorized', message }`. Routes marked `@Public()` are skipped.
 *
 * Non-HTTP contexts (WebSocket gateways, message consumers) are not handled here: they
 * authenticate at their own edge (handshake, envelope) and pass through.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_TOKEN_SERVICE) private readonly tokens: TokenService,
    @Optional() @Inject(AUTH_API_KEY_VERIFIER) private readonly apiKeys?: ApiKeyVerifier | null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic === true) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<ResponseWithHeaders>();
    try {
      request.principal = await this.authenticate(request);
      return true;
    } catch (error: unknown) {
      if (error instanceof UnauthorizedException) {
        // RFC 6750 §3: tell the client which scheme to use.
        response.setHeader?.('WWW-Authenticate', 'Bearer realm="parley"');
      }
      throw error;
    }
  }

  private async authenticate(request: AuthenticatedRequest): Promise<AuthPrincipal> {
    const authorization = single(request.headers.authorization);
    if (authorization !== undefined) {
      const match = BEARER.exec(authorization);
      if (!match?.[1]) throw new UnauthorizedException('Authorization header must be "Bearer <access token>"');
      return this.fromAccessToken(match[1]);
    }
    const apiKey = single(request.headers[API_KEY_HEADER]);
    if (apiKey !== undefined) return this.fromApiKey(apiKey);
    throw new UnauthorizedException('Missing credentials: send "Authorization: Bearer <access token>"');
  }

  private async fromAccessToken(token: string): Promise<AuthPrincipal> {
    try {
      const c = await this.tokens.verifyAccessToken(token);
      return { kind: 'user', userId: c.sub, tenantId: c.tenantId, tenantSlug: c.tenantSlug, role: c.role, sessionId: c.sessionId, hasSeat: c.hasSeat };
    } catch (error: unknown) {
      if (error instanceof InvalidTokenError) {
        throw new UnauthorizedException(error.reason === 'expired' ? 'Access token has expired' : 'Access token is invalid');
      }
      throw error;
    }
  }

  private async fromApiKey(apiKey: string): Promise<AuthPrincipal> {
    if (!this.apiKeys) throw new UnauthorizedException('API keys are not accepted by this service');
    const identity = await this.apiKeys.verify(apiKey);
    if (!identity) throw new UnauthorizedException('API key is invalid');
    return { kind: 'api-key', tenantId: identity.tenantId, apiKeyId: identity.apiKeyId, role: identity.role };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
