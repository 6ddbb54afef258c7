import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@parley/contracts';
import { ROLES_KEY } from './auth.constants';
import type { AuthenticatedRequest } from './auth-principal';

/**
 * Enforces `@Roles(...)`: 403 `{ statusCode: 403, error: 'Forbidden', message }` when the
 * principal's role is not listed. Runs after `JwtAuthGuard`. A `@Roles` route reached without a
 * principal (e.g. also marked `@Public()`) is a programming error and fails loudly (500).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const allowed = this.reflector.getAllAndOverride<readonly Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!allowed) return true;
    if (context.getType() !== 'http') {
      throw new Error(`@Roles is only enforced on HTTP routes; ${context.getClass().name}.${context.getHandler().name} must check roles itself`);
    }
    const { principal } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!principal) {
      throw new Error(`@Roles on ${context.getClass().name}.${context.getHandler().name} but no principal: is the route @Public(), or is JwtAuthGuard not registered?`);
    }
    if (!allowed.includes(principal.role)) {
      throw new ForbiddenException(`This action needs one of the roles: ${allowed.join(', ')}`);
    }
    return true;
  }
}
