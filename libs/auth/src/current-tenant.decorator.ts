import { createParamDecorator, ForbiddenException, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest, AuthPrincipal, UserPrincipal } from './auth-principal';

/**
 * Param decorators for the authenticated caller. They fail loudly (a plain Error, so a 500) when
 * no principal is attached: that means the route is `@Public()` or the guard is not registered,
 * a programming error that must never silently become "no tenant".
 */

function principalOf(context: ExecutionContext, decorator: string): AuthPrincipal {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.principal) {
    throw new Error(
      `@${decorator}() used on ${context.getClass().name}.${context.getHandler().name} but no principal is attached: ` +
        'remove @Public() from the route or register AuthModule',
    );
  }
  return request.principal;
}

/** The authenticated principal (a user or an API key). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): AuthPrincipal => principalOf(context, 'CurrentPrincipal'));

/** The caller's tenant id (from the access token or the API key). */
export const CurrentTenant = createParamDecorator((_data: unknown, context: ExecutionContext): string => principalOf(context, 'CurrentTenant').tenantId);

/** The signed-in user; 403 when the caller is an API key (the route needs a person's session). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): UserPrincipal => {
  const principal = principalOf(context, 'CurrentUser');
  if (principal.kind !== 'user') throw new ForbiddenException('This action needs a signed-in user, not an API key');
  return principal;
});
