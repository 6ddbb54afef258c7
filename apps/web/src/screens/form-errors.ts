import { type z } from 'zod';
import { ApiError, NetworkError, type FieldError } from '../api/api-error';
import { type Translate } from '../i18n/message-catalog';

/** One message per form field, plus messages that belong to no field of the form. */
export interface FormErrors<F extends string> {
  fields: Partial<Record<F, string>>;
  form: string[];
}

export const NO_ERRORS: FormErrors<never> = { fields: {}, form: [] };

/**
 * Checks a form's values with the request's zod schema (the one the API uses) and words the first
 * problem of each field in the user's language.
 */
export function validateForm<F extends string>(schema: z.ZodType, values: Readonly<Record<F, string>>, t: Translate): FormErrors<F> {
  const result = schema.safeParse(values);
  if (result.success) return { fields: {}, form: [] };
  const fields: Partial<Record<F, string>> = {};
  const form: string[] = [];
  for (const issue of result.error.issues) {
    const name = issue.path[0];
    if (typeof name === 'string' && name in values) {
      const field = name as F;
      fields[field] ??= values[field].trim() === '' ? t('validation.required') : issueMessage(issue, t);
    } else {
      form.push(t('validation.unknownField', { field: issue.path.join('.') || '—', message: issue.message }));
    }
  }
  return { fields, form };
}

function issueMessage(issue: z.core.$ZodIssue, t: Translate): string {
  switch (issue.code) {
    case 'too_small':
      return Number(issue.minimum) <= 1 ? t('validation.required') : t('validation.tooShort', { min: Number(issue.minimum) });
    case 'too_big':
      return t('validation.tooLong', { max: Number(issue.maximum) });
    case 'invalid_format':
      if (issue.format === 'email') return t('validation.email');
      if (issue.format === 'regex') return t('validation.slugFormat');
      return issue.message;
    case 'custom':
      return translateServerMessage(issue.message, t);
    default:
      return issue.message;
  }
}

/**
 * The API words field errors in English (the same texts as the contract's schemas). Known ones are
 * shown in the user's language; anything else is shown as the server wrote it.
 */
export function translateServerMessage(message: string, t: Translate): string {
  const atLeast = /^must be at least (\d+) characters$/.exec(message);
  if (atLeast) return t('validation.tooShort', { min: Number(atLeast[1]) });
  const atMost = /^must be at most (\d+) characters$/.exec(message);
  if (atMost) return t('validation.tooLong', { max: Number(atMost[1]) });
  if (message === 'must not be empty' || message === 'is required') return t('validation.required');
  if (message === 'must be an email address') return t('validation.email');
  if (message.startsWith('must be lowercase letters, digits and hyphens')) return t('validation.slugFormat');
  if (message === 'is a reserved word') return t('validation.slugReserved');
  if (message === 'is already taken') return t('validation.slugTaken');
  if (message === 'is already in use') return t('validation.emailInUse');
  if (message.startsWith('is too common')) return t('validation.passwordCommon');
  if (message === 'must not contain your email name or company slug') return t('validation.passwordPersonal');
  return message;
}

/** Spreads the API's `fields` over the form: a known field gets its message, any other path is shown for the whole form. */
export function apiFieldErrors<F extends string>(fields: readonly FieldError[], formFields: readonly F[], t: Translate): FormErrors<F> {
  const byField: Partial<Record<F, string>> = {};
  const form: string[] = [];
  for (const { path, message } of fields) {
    const field = formFields.find((f) => f === path);
    if (field !== undefined) byField[field] ??= translateServerMessage(message, t);
    else form.push(t('validation.unknownField', { field: path, message: translateServerMessage(message, t) }));
  }
  return { fields: byField, form };
}

/**
 * What a failed submit shows: the API's field errors by field; otherwise one form-level message
 * (`statusMessages` words statuses the form knows, e.g. 401 on sign-in).
 */
export function submitErrors<F extends string>(
  error: unknown,
  formFields: readonly F[],
  t: Translate,
  statusMessages: Partial<Record<number, string>> = {},
): FormErrors<F> {
  if (error instanceof ApiError) {
    if (error.fields.length > 0) return apiFieldErrors(error.fields, formFields, t);
    const known = statusMessages[error.status] ?? (error.status === 429 ? t('errors.tooManyAttempts') : undefined);
    return { fields: {}, form: [known ?? t('errors.server', { status: error.status, message: error.body.message })] };
  }
  if (error instanceof NetworkError) return { fields: {}, form: [t('errors.network')] };
  return { fields: {}, form: [t('errors.server', { status: '—', message: error instanceof Error ? error.message : String(error) })] };
}

/** One sentence for a failed request, in the user's language (no per-field detail). */
export function describeError(error: unknown, t: Translate): string {
  return submitErrors(error, [] as const, t).form.join(' ') || t('errors.server', { status: '—', message: String(error) });
}
