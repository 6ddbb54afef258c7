import { BadRequestException } from '@nestjs/common';
// Mozilla's list of the 10,000 most common passwords (Firefox Accounts).
import { test as isCommonPassword } from 'fxa-common-password-list';

/**
 * Refuses passwords an attacker would try first: the common-password list (checked as typed and
 * lower-cased), and passwords built from the account's own email or company slug.
 * Length is checked by the request schema (at least 10 characters).
 */
export function assertAcceptablePassword(password: string, context: { email: string; slug?: string }): void {
  const lowered = password.toLowerCase();
  const local = context.email.split('@')[0] ?? '';
  const tooCommon = isCommonPassword(password) || isCommonPassword(lowered) || /^(.)\1+$/.test(password) || /^(0123456789|1234567890|abcdefghij)/.test(lowered);
  const personal = (local.length >= 4 && lowered.includes(local.toLowerCase())) || (context.slug !== undefined && context.slug.length >= 4 && lowered.includes(context.slug));
  if (tooCommon || personal) {
    const message = tooCommon ? 'is too common: choose a password that is not on lists of leaked passwords' : 'must not contain your email name or company slug';
    throw new BadRequestException({ message: `invalid body: password ${message}`, fields: [{ path: 'password', message }] });
  }
}
