import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { currentLogContext } from './log-context';

/** Span attribute carrying the tenant id (ARCHITECTURE.md: the tenant id travels in span attributes). */
export const ATTR_PARLEY_TENANT_ID = 'parley.tenant_id';
/** Span attribute carrying the call id. */
export const ATTR_PARLEY_CALL_ID = 'parley.call_id';

const DEFAULT_TRACER = '@parley/telemetry';

export interface InitTracingOptions {
  serviceName: string;
  /** Exported through a BatchSpanProcessor (production). */
  exporter?: SpanExporter;
  /** Used as given (tests: `[new SimpleSpanProcessor(new InMemorySpanExporter())]`). */
  spanProcessors?: SpanProcessor[];
}

let provider: NodeTracerProvider | undefined;

/**
 * Registers the process-wide tracer provider: W3C trace-context propagation and the
 * AsyncLocalStorage context manager (the NodeTracerProvider default), parent-based sampling.
 * Idempotent: the first call wins and later calls return the same provider (their options are
 * ignored). Without an exporter or processors spans are still created, so trace ids flow through
 * headers and logs, but they are not exported.
 */
export function initTracing(options: InitTracingOptions): NodeTracerProvider {
  if (provider) return provider;
  const spanProcessors = [...(options.spanProcessors ?? [])];
  if (options.exporter) spanProcessors.push(new BatchSpanProcessor(options.exporter));
  const created = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors,
  });
  created.register({ propagator: new W3CTraceContextPropagator() });
  provider = created;
  return created;
}

/** Flushes and shuts the provider down and unregisters it (so `initTracing` may run again). */
export async function shutdownTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  if (!current) return;
  await current.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

export function getTracer(name: string = DEFAULT_TRACER): Tracer {
  return trace.getTracer(name);
}

/** The W3C trace-context headers `injectTraceHeaders` writes (absent when there is no valid span). */
export type TraceHeaders = {
  traceparent?: string;
  tracestate?: string;
};

/** Writes `traceparent` (and `tracestate`) of `ctx` (default: the active context) into `headers`; returns them. */
export function injectTraceHeaders<T extends Record<string, string>>(headers: T, ctx: Context = context.active()): T & TraceHeaders {
  propagation.inject(ctx, headers);
  return headers;
}

/**
 * The context described by incoming `traceparent`/`tracestate` headers (HTTP or message headers,
 * lowercase names). Built on `base`, default the empty root context: a request or message is
 * parented only by what it carries, never by whatever happens to be active in the consumer.
 */
export function extractTraceContext(headers: Readonly<Record<string, string | string[] | undefined>>, base: Context = ROOT_CONTEXT): Context {
  return propagation.extract(base, headers);
}

export interface WithSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context, e.g. from `extractTraceContext`; default the active context. */
  parent?: Context;
  /** Default the `@parley/telemetry` tracer. */
  tracer?: Tracer;
}

/**
 * Runs `fn` inside a new span (active for everything `fn` starts), then ends it. A thrown error or
 * rejected promise is recorded on the span, sets status ERROR and is rethrown; success sets OK.
 * `parley.tenant_id` / `parley.call_id` are added from the log context unless given.
 */
export function withSpan<T>(name: string, options: WithSpanOptions, fn: (span: Span) => Promise<T>): Promise<T>;
export function withSpan<T>(name: string, options: WithSpanOptions, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, options: WithSpanOptions, fn: (span: Span) => T | Promise<T>): T | Promise<T> {
  const parent = options.parent ?? context.active();
  const logContext = currentLogContext();
  const attributes: Attributes = {};
  if (logContext.tenantId !== undefined) attributes[ATTR_PARLEY_TENANT_ID] = logContext.tenantId;
  if (logContext.callId !== undefined) attributes[ATTR_PARLEY_CALL_ID] = logContext.callId;
  Object.assign(attributes, options.attributes);
  const span = (options.tracer ?? getTracer()).startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, parent);

  const fail = (error: unknown): never => {
    span.recordException(error instanceof Error ? error : new Error(String(error)));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
    throw error;
  };
  const succeed = <R>(value: R): R => {
    span.setStatus({ code: SpanStatusCode.OK });
    span.end();
    return value;
  };

  let result: T | Promise<T>;
  try {
    result = context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error: unknown) {
    return fail(error);
  }
  if (isPromiseLike(result)) return Promise.resolve(result).then(succeed, fail);
  return succeed(result);
}

function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export { SpanKind, SpanStatusCode };
export type { Context, Span, Tracer };
