import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { type z } from 'zod';
import { type FieldError, ZodValidationPipe } from '@parley/http';

export interface IvrBodyPipeOptions {
  /** An absent body counts as `{}` (for bodies whose every field is optional). */
  optional?: boolean;
}

/**
 * Validates a request body with a zod schema, like `ZodValidationPipe` (400 naming every bad field),
 * and adds the node's id to the message of a field inside a flow node (`document.nodes.3.options` →
 * `node "main-menu": ...`), so the editor can point at the node.
 */
export class IvrBodyPipe<TSchema extends z.ZodType> implements PipeTransform<unknown, z.infer<TSchema>> {
  private readonly inner: ZodValidationPipe<TSchema>;

  constructor(
    schema: TSchema,
    private readonly options: IvrBodyPipeOptions = {},
  ) {
    this.inner = new ZodValidationPipe(schema);
  }

  transform(value: unknown): z.infer<TSchema> {
    const body = value === undefined && this.options.optional === true ? {} : value;
    try {
      return this.inner.transform(body);
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      const response = error.getResponse() as { fields?: FieldError[] };
      if (response.fields === undefined) throw error;
      const fields = response.fields.map((field) => withNodeId(field, body));
      throw new BadRequestException({ message: `invalid body: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields });
    }
  }
}

function withNodeId(field: FieldError, body: unknown): FieldError {
  const segments = field.path.split('.');
  const at = segments.findIndex((segment, i) => segment === 'nodes' && /^\d+$/.test(segments[i + 1] ?? ''));
  if (at < 0) return field;
  let node: unknown = body;
  for (const segment of segments.slice(0, at + 2)) {
    if (node === null || typeof node !== 'object') return field;
    node = (node as Record<string, unknown>)[segment];
  }
  const id = node !== null && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') return field;
  return { path: field.path, message: `node "${id.slice(0, 64)}": ${field.message}` };
}
