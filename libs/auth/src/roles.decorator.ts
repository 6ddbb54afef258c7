import { SetMetadata } from '@nestjs/common';
import type { Role } from '@parley/contracts';
import { ROLES_KEY } from './auth.constants';

/**
 * Only principals whose role is one of `roles` may call the route (`RolesGuard` answers 403
 * otherwise). Exact membership, no implied hierarchy: list every role that is allowed.
 * A method's `@Roles` replaces its controller's.
 */
export const Roles = (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);
