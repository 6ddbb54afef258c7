import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { trace } from '@opentelemetry/api';
import { tap, type Observable } from 'rxjs';
import { withLogContext } from './log-context';
import { tenantIdOf, type TelemetryRequest } from './http-telemetry.middleware';
import { QUIET_ROUTE_METADATA_KEY } from './telemetry.constants';
import { ATTR_PARLEY_TENANT_ID } from './tracing';

/**
 * Runs after the guards, so it knows the authenticated tenant: the handler runs inside a log
 * context carrying `tenantId` (every line it logs has it) and the request span gets
 * `parley.tenant_id`. Unexpected errors (not 4xx HttpExceptions) are recorded on the span.
 */
@Injectable()
export class HttpTelemetryInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<TelemetryRequest>();
    if (this.reflector.getAllAndOverride<boolean | undefined>(QUIET_ROUTE_METADATA_KEY, [context.getHandler(), context.getClass()]) === true) {
      request.parleyQuietRoute = true;
    }
    const span = trace.getActiveSpan();
    const tenantId = tenantIdOf(request);
    if (tenantId !== undefined) span?.setAttribute(ATTR_PARLEY_TENANT_ID, tenantId);

    // Nest binds the handler to the async context current when handle() is called: call it inside.
    return withLogContext({ tenantId }, () => next.handle()).pipe(
      tap({
        error: (error: unknown) => {
          if (error instanceof HttpException && error.getStatus() < 500) return;
          span?.recordException(error instanceof Error ? error : new Error(String(error)));
        },
      }),
    );
  }
}
