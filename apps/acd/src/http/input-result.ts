import { HttpException } from '@nestjs/common';
import { type AuthPrincipal } from '@parley/auth';
import { type InputResult } from '../runtime/routing-input';

/** The value of an applied input, or the HTTP error it was refused with. */
export function valueOrThrow(result: InputResult): unknown {
  if (result.ok) return result.value;
  throw new HttpException({ message: result.error.message, ...(result.error.fields ? { fields: result.error.fields } : {}) }, result.error.status);
}

/** The user behind a request (null for an API key). */
export function actorOf(principal: AuthPrincipal): string | null {
  return principal.kind === 'user' ? principal.userId : null;
}
