import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { type ApiErrorBody } from '@parley/contracts';
import { type Response } from 'express';

interface LoggerLike {
  error(obj: object, msg?: string): void;
}

/**
 * Every error answer has the same shape (`ApiErrorBody`). HttpExceptions keep their status and
 * message; body-parser errors (malformed JSON, too large) become 400/413 naming the body;
 * anything else is a 500 that is logged and never leaks internals.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: LoggerLike) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) this.logger.error({ err: exception }, 'unhandled error');
    if (!response.headersSent) response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ApiErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const payload = typeof raw === 'string' ? { message: raw } : (raw as { message?: unknown; fields?: ApiErrorBody['fields'] });
      const message = Array.isArray(payload.message) ? payload.message.join('; ') : String(payload.message ?? exception.message);
      return { statusCode: status, error: HttpStatus[status] ?? 'Error', message, ...(payload.fields ? { fields: payload.fields } : {}) };
    }
    return bodyParserErrorBody(exception) ?? { statusCode: 500, error: 'INTERNAL_SERVER_ERROR', message: 'internal error' };
  }
}

/** The answer to an error raised by the JSON body parser, or null when `error` is not one. */
export function bodyParserErrorBody(error: unknown): ApiErrorBody | null {
  const e = error as { type?: string; status?: number; expose?: boolean; message?: string } | null;
  if (!e || typeof e.type !== 'string' || typeof e.status !== 'number') return null;
  if (e.type === 'entity.parse.failed') {
    return { statusCode: 400, error: 'BAD_REQUEST', message: 'the request body is not valid JSON (a JSON object is expected)', fields: [{ path: '(body)', message: 'is not valid JSON' }] };
  }
  if (e.type === 'entity.too.large') {
    return { statusCode: 413, error: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large', fields: [{ path: '(body)', message: 'is too large' }] };
  }
  if (e.status >= 400 && e.status < 500 && e.expose) {
    return { statusCode: e.status, error: HttpStatus[e.status] ?? 'Error', message: e.message ?? 'bad request body', fields: [{ path: '(body)', message: e.message ?? 'is not acceptable' }] };
  }
  return null;
}
