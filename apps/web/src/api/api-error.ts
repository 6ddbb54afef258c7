import { type ApiErrorBody } from '@parley/contracts';
import { z } from 'zod';

export type FieldError = NonNullable<ApiErrorBody['fields']>[number];

const apiErrorBodySchema: z.ZodType<ApiErrorBody> = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** An error answer of the API (4xx/5xx), in the shared shape of libs/http's ApiExceptionFilter. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(`${body.error} (${status}): ${body.message}`);
  }

  /** The offending fields (dotted paths) and why, for validation and conflict answers; empty otherwise. */
  get fields(): readonly FieldError[] {
    return this.body.fields ?? [];
  }

  /** Builds the error from an answer's status and body; a body not in the shared shape keeps its text as the message. */
  static fromResponse(status: number, body: unknown): ApiError {
    const parsed = apiErrorBodySchema.safeParse(body);
    if (parsed.success) return new ApiError(status, parsed.data);
    const text = typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 200) : 'the server sent no error details';
    return new ApiError(status, { statusCode: status, error: 'Error', message: text });
  }
}

/** The server could not be reached (no answer at all: offline, DNS, refused, CORS). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly method: string,
    readonly path: string,
    options: { cause: unknown },
  ) {
    super(`${method} ${path}: the server could not be reached`, options);
  }
}

/** The API answered with a success status but a body that is not what the contract says. */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
  constructor(
    readonly path: string,
    readonly issues: readonly string[],
  ) {
    super(`${path}: unexpected response body (${issues.join('; ')})`);
  }
}
