import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { context, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { Histogram } from 'prom-client';
import { replaceLogContext } from './log-context';
import { httpServerDurationHistogram, type HttpDurationLabel } from './metrics';
import { TELEMETRY_OPTIONS } from './telemetry.constants';
import type { TelemetryModuleOptions } from './telemetry.options';
import { ATTR_PARLEY_TENANT_ID, extractTraceContext, getTracer } from './tracing';

/** Request fields the HTTP telemetry reads; `principal` is attached by libs/auth's guard. */
export interface TelemetryRequest extends IncomingMessage {
  /** Express: the matched route (its `path` is the template, e.g. `/users/:id`). */
  route?: { path?: unknown };
  principal?: { tenantId?: unknown };
  /** Set by `HttpTelemetryInterceptor` for probe/scrape routes. */
  parleyQuietRoute?: boolean;
}

const UNMATCHED_ROUTE = 'unmatched';
/** nginx's "client closed request": the client went away before the answer was sent. */
const CLIENT_CLOSED_STATUS = 499;

/** The tenant the guard authenticated, read structurally (telemetry does not import libs/auth). */
export function tenantIdOf(request: TelemetryRequest): string | undefined {
  const tenantId = request.principal?.tenantId;
  return typeof tenantId === 'string' ? tenantId : undefined;
}

/**
 * For every HTTP request: a SERVER span (child of an incoming `traceparent`) that is active while
 * guards, interceptors and the handler run; the `traceparent` response header; on completion the
 * `http_server_request_duration_seconds` observation and one JSON access-log line
 * (method, route, status, durationMs, tenantId, traceId). Runs before guards, so 401s and 404s
 * are measured too; `HttpTelemetryInterceptor` adds the tenant once the guard has run.
 */
@Injectable()
export class HttpTelemetryMiddleware implements NestMiddleware<TelemetryRequest, ServerResponse> {
  private readonly duration: Histogram<HttpDurationLabel>;

  constructor(@Inject(TELEMETRY_OPTIONS) private readonly options: TelemetryModuleOptions) {
    this.duration = httpServerDurationHistogram(options.registry);
  }

  use(req: TelemetryRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const routeAtEntry = req.route;
    const parent = extractTraceContext(req.headers);
    const span = getTracer().startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: (req.url ?? '/').split('?')[0] } },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);

    const carrier: Record<string, string> = {};
    propagation.inject(spanContext, carrier);
    if (carrier.traceparent) res.setHeader('traceparent', carrier.traceparent);

    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const route = req.route && req.route !== routeAtEntry && typeof req.route.path === 'string' ? req.route.path : UNMATCHED_ROUTE;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_STATUS;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.complete(span, spanContext, { method, route, status, seconds, tenantId: tenantIdOf(req), quiet: req.parleyQuietRoute === true });
    };
    res.once('finish', finish);
    res.once('close', finish);

    // A request starts from a clean log context: nothing of whatever ran before on this socket.
    context.with(spanContext, () => replaceLogContext({}, () => next()));
  }

  private complete(
    span: Span,
    spanContext: ReturnType<typeof trace.setSpan>,
    r: { method: string; route: string; status: number; seconds: number; tenantId: string | undefined; quiet: boolean },
  ): void {
    span.updateName(r.route === UNMATCHED_ROUTE ? r.method : `${r.method} ${r.route}`);
    span.setAttribute(ATTR_HTTP_ROUTE, r.route);
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, r.status);
    if (r.tenantId !== undefined) span.setAttribute(ATTR_PARLEY_TENANT_ID, r.tenantId);
    if (r.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();

    this.duration.observe({ method: r.method, route: r.route, status_code: String(r.status) }, r.seconds);

    // Without initTracing the span is a no-op with an all-zero id: leave traceId out then.
    const traceId = isSpanContextValid(span.spanContext()) ? span.spanContext().traceId : undefined;
    const line = { method: r.method, route: r.route, status: r.status, durationMs: Math.round(r.seconds * 10_000) / 10, tenantId: r.tenantId, traceId };
    const level = r.quiet ? 'debug' : r.status >= 500 ? 'error' : 'info';
    // 'finish' fires outside the request's async context: log with the request's own context.
    replaceLogContext({ tenantId: r.tenantId }, () => context.with(spanContext, () => this.options.logger[level](line, 'request completed')));
  }
}
