import { BadRequestException, ForbiddenException, type PipeTransform } from '@nestjs/common';
import { type AuthPrincipal } from '@parley/auth';
import { type Role } from '@parley/contracts';

/** Roles that see every call of the tenant and may control or monitor any of them. */
export const SUPERVISING_ROLES: readonly Role[] = ['owner', 'admin', 'supervisor'];

export function isSupervising(role: Role): boolean {
  return SUPERVISING_ROLES.includes(role);
}

/** The user behind a request (null for an API key). */
export function actorOf(principal: AuthPrincipal): string | null {
  return principal.kind === 'user' ? principal.userId : null;
}

/** The user behind a request, or 403 for an API key (the action is a person's). */
export function userOf(principal: AuthPrincipal, action: string): string {
  if (principal.kind !== 'user') throw new ForbiddenException(`${action} needs a signed-in user, not an API key`);
  return principal.userId;
}

/** A 400 naming the field and what is wrong with it (the shared error shape). */
export function badField(path: string, message: string): BadRequestException {
  return new BadRequestException({ message: `invalid body: ${path} ${message}`, fields: [{ path, message }] });
}

/** A query parameter that must be a whole number in a range (limit, offset); absent: the default. */
export class IntQueryPipe implements PipeTransform<string | undefined, number> {
  constructor(
    private readonly name: string,
    private readonly min: number,
    private readonly max: number,
    private readonly fallback: number,
  ) {}

  transform(value: string | undefined): number {
    if (value === undefined || value === '') return this.fallback;
    const n = /^[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < this.min || n > this.max) {
      const message = `must be a whole number from ${this.min} to ${this.max}`;
      throw new BadRequestException({ message: `${this.name} ${message}`, fields: [{ path: this.name, message }] });
    }
    return n;
  }
}

/** An optional query parameter that must match a pattern. */
export class PatternQueryPipe implements PipeTransform<string | undefined, string | undefined> {
  constructor(
    private readonly name: string,
    private readonly pattern: RegExp,
    private readonly message: string,
  ) {}

  transform(value: string | undefined): string | undefined {
    if (value === undefined || value === '') return undefined;
    if (!this.pattern.test(value)) throw new BadRequestException({ message: `${this.name} ${this.message}`, fields: [{ path: this.name, message: this.message }] });
    return value;
  }
}
