import { InvalidRequestError } from '../../api/api-call';
import { ApiError } from '../../api/api-error';
import { type Translate } from '../../i18n/message-catalog';
import { describeError, translateServerMessage } from '../form-errors';

/**
 * A failed save, spread over a form: the API's field errors by dotted path (`serviceLevel.percent`,
 * `requiredSkills.0.skillId`), and what belongs to no field.
 */
export class ServerErrors {
  static readonly none = new ServerErrors({}, []);

  private constructor(
    private readonly byPath: Readonly<Record<string, string>>,
    private readonly general: readonly string[],
  ) {}

  static from(error: unknown, t: Translate): ServerErrors {
    if (error instanceof ApiError && error.fields.length > 0) {
      const byPath: Record<string, string> = {};
      for (const { path, message } of error.fields) byPath[path] ??= translateServerMessage(message, t);
      return new ServerErrors(byPath, []);
    }
    if (error instanceof InvalidRequestError) {
      // Checked here with the contract's schema before sending: the same messages the API would answer.
      const byPath: Record<string, string> = {};
      for (const issue of error.issues) byPath[issue.path.join('.') || '(body)'] ??= translateServerMessage(issue.message, t);
      return new ServerErrors(byPath, []);
    }
    return new ServerErrors({}, [describeError(error, t)]);
  }

  get any(): boolean {
    return this.general.length > 0 || Object.keys(this.byPath).length > 0;
  }

  /** The message for exactly this field. */
  at(path: string): string | undefined {
    return this.byPath[path];
  }

  /** The messages for this field and anything inside it (a row of a list), joined. */
  under(prefix: string): string | undefined {
    const messages = Object.entries(this.byPath)
      .filter(([path]) => path === prefix || path.startsWith(`${prefix}.`))
      .map(([path, message]) => (path === prefix ? message : `${path.slice(prefix.length + 1)}: ${message}`));
    return messages.length > 0 ? messages.join('; ') : undefined;
  }

  /** What the form shows on top: general messages and field errors outside the fields it renders (given by top-level name). */
  unclaimed(renderedFields: readonly string[], t: Translate): string[] {
    const rest = Object.entries(this.byPath)
      .filter(([path]) => !renderedFields.includes(path.split('.')[0] ?? ''))
      .map(([path, message]) => t('validation.unknownField', { field: path, message }));
    return [...this.general, ...rest];
  }
}
