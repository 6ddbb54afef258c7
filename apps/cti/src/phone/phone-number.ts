import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';

/** Why a typed number is not a phone number, in words a person can act on. */
export class InvalidPhoneNumberError extends Error {
  override readonly name = 'InvalidPhoneNumberError';
}

/** Checks a number as a person types it and returns it in E.164 (`+8613812345678`). */
export function toE164(input: string): string {
  const trimmed = input.trim();
  if (!trimmed.startsWith('+')) throw new InvalidPhoneNumberError('must start with + and the country code, e.g. +8613812345678');
  try {
    const parsed = parsePhoneNumberWithError(trimmed);
    if (!parsed.isValid()) throw new InvalidPhoneNumberError(`is not a valid phone number for ${parsed.country ?? `country code +${parsed.countryCallingCode}`}`);
    return parsed.number;
  } catch (error) {
    if (error instanceof ParseError) throw new InvalidPhoneNumberError(`is not a phone number (${error.message.toLowerCase().replace(/_/g, ' ')})`);
    throw error;
  }
}

/** A caller's number as voice reported it, in E.164 when it is a valid number, else null (anonymous, a SIP name, garbage). */
export function callerE164(from: string): string | null {
  try {
    return toE164(from);
  } catch {
    return null;
  }
}

const MASK = '*';
/** Digits kept at the end of every number long enough to mask. */
const TAIL = 4;
/** Digits hidden in the middle: "the middle four". */
const HIDDEN = 4;
/** Below this many digits a number is short (a service number, an extension): only its last two digits show. */
const SHORT = 8;

interface Split {
  lead: string;
  hidden: number;
  tail: string;
}

/**
 * Where to cut a national significant number: its leading group (area code or mobile prefix, as
 * the country formats it) stays, the last four digits stay, and the (at most four) digits right
 * before the last four are hidden. When the leading group leaves fewer than three digits to hide,
 * the group gives way: four digits are hidden anyway. Short numbers keep only their last two.
 */
function split(digits: string, leadLength: number): Split {
  const n = digits.length;
  if (n < SHORT) {
    const tail = Math.min(2, Math.max(0, n - 2));
    const lead = n >= 6 ? 1 : 0;
    return { lead: digits.slice(0, lead), hidden: n - lead - tail, tail: digits.slice(n - tail) };
  }
  let between = n - leadLength - TAIL;
  let lead = leadLength;
  if (between < 3) {
    between = Math.min(HIDDEN, n - TAIL - 1);
    lead = n - TAIL - between;
  }
  const hidden = Math.min(HIDDEN, between);
  const visibleLead = n - TAIL - hidden;
  return { lead: digits.slice(0, Math.max(lead, visibleLead)), hidden, tail: digits.slice(n - TAIL) };
}

/**
 * How an agent sees a customer's number: the middle digits hidden.
 * - E.164 input: `+<country code> <lead><****><last four>` (`+86 138****5678`, `+44 20****0958`);
 *   North American numbers in their familiar shape, `+1 415 ***-2671`.
 * - A number without a country code (as a caller typed it): the same cut on its digits
 *   (`13812345678` → `138****5678`).
 * - Anything that is not a number (anonymous, a SIP name): `unknown` — never echoed.
 */
export function maskPhoneNumber(input: string): string {
  const trimmed = input.trim();
  if (trimmed.startsWith('+')) {
    try {
      const parsed = parsePhoneNumberWithError(trimmed);
      const digits = parsed.nationalNumber;
      const cc = parsed.countryCallingCode;
      const groups = parsed.formatInternational().split(/[\s-]+/).slice(1);
      const leadLength = groups.length > 1 ? (groups[0]?.replace(/\D/g, '').length ?? 3) : 3;
      const { lead, hidden, tail } = split(digits, leadLength);
      if (cc === '1' && digits.length === 10 && lead.length === 3 && hidden === 3) return `+1 ${lead} ${MASK.repeat(3)}-${tail}`;
      return `+${cc} ${lead}${MASK.repeat(hidden)}${tail}`;
    } catch {
      // Not a parseable international number: mask its digits as they are.
    }
  }
  const digits = trimmed.replace(/[\s().-]/g, '');
  if (!/^\+?[0-9]{1,20}$/.test(digits)) return 'unknown';
  const plus = digits.startsWith('+') ? '+' : '';
  const bare = digits.replace('+', '');
  const { lead, hidden, tail } = split(bare, 3);
  return `${plus}${lead}${MASK.repeat(hidden)}${tail}`;
}
