import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { type z } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

/** Turns zod issues into `{path, message}` pairs that name the field, e.g. `adminEmail: must be an email address`. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(body)';
    if (issue.code === 'unrecognized_keys') {
      return { path: issue.keys.join(', '), message: 'is not a known field' };
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return { path, message: 'is required' };
    }
    if (issue.code === 'invalid_type') {
      return { path, message: `must be ${issue.expected}, not ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'an array' : typeof issue.input}` };
    }
    return { path, message: issue.message };
  });
}

/** Validates a request body (or param) with a zod schema; 400 naming every bad field otherwise. */
export class ZodValidationPipe<TSchema extends z.ZodType> implements PipeTransform<unknown, z.infer<TSchema>> {
  constructor(
    private readonly schema: TSchema,
    private readonly what = 'body',
  ) {}

  transform(value: unknown): z.infer<TSchema> {
    if (this.what === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new BadRequestException({ message: 'the request body must be a JSON object', fields: [{ path: '(body)', message: 'must be a JSON object' }] });
    }
    // reportInput: zod 4 leaves the input out of issues otherwise, and a wrong type would read as "is required".
    const result = this.schema.safeParse(value, { reportInput: true });
    if (!result.success) {
      const fields = fieldErrors(result.error);
      throw new BadRequestException({ message: `invalid ${this.what}: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields });
    }
    return result.data;
  }
}
