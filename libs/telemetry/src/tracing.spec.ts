import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { withLogContext } from './log-context';
import { extractTraceContext, initTracing, injectTraceHeaders, shutdownTracing, withSpan } from './tracing';

const exporter = new InMemorySpanExporter();

describe('tracing', () => {
  beforeAll(() => {
    initTracing({ serviceName: 'tracing-test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterAll(async () => {
    await shutdownTracing();
  });
  beforeEach(() => exporter.reset());

  it('is idempotent: a second initTracing returns the registered provider', () => {
    const first = initTracing({ serviceName: 'tracing-test' });
    expect(initTracing({ serviceName: 'other', spanProcessors: [] })).toBe(first);
  });

  it('round-trips a trace through message headers: inject on publish, extract on consume', async () => {
    const published = await withSpan('publish acd.call.offered.v1', { kind: SpanKind.PRODUCER }, async (span) => ({
      headers: injectTraceHeaders({ 'x-tenant-id': 't-1' }),
      ids: span.spanContext(),
    }));
    expect(published.headers.traceparent).toBe(`00-${published.ids.traceId}-${published.ids.spanId}-01`);
    expect(published.headers['x-tenant-id']).toBe('t-1');

    const extracted = extractTraceContext(published.headers);
    const remote = trace.getSpanContext(extracted);
    expect(remote).toMatchObject({ traceId: published.ids.traceId, spanId: published.ids.spanId, isRemote: true });

    withSpan('consume acd.call.offered.v1', { kind: SpanKind.CONSUMER, parent: extracted }, () => undefined);
    const consumer = exporter.getFinishedSpans().find((s) => s.name === 'consume acd.call.offered.v1');
    expect(consumer?.spanContext().traceId).toBe(published.ids.traceId);
    expect(consumer?.parentSpanContext?.spanId).toBe(published.ids.spanId);
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
  });

  it('extracts nothing from headers without traceparent, even inside another span', () => {
    withSpan('ambient', {}, () => {
      const ctx = extractTraceContext({ 'x-tenant-id': 't-1' });
      expect(trace.getSpanContext(ctx)).toBeUndefined();
    });
    expect(injectTraceHeaders({})).toEqual({});
  });

  it('makes the span active inside fn, marks success OK and returns the value', () => {
    const result = withSpan('sync work', { attributes: { 'parley.call_id': 'call-1' } }, (span) => {
      expect(trace.getActiveSpan()).toBe(span);
      return 42;
    });
    expect(result).toBe(42);
    expect(trace.getActiveSpan()).toBeUndefined();
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({ name: 'sync work', status: { code: SpanStatusCode.OK }, attributes: { 'parley.call_id': 'call-1' } });
  });

  it('records a thrown error or a rejection, sets status ERROR, ends the span and rethrows', async () => {
    expect(() =>
      withSpan('sync failure', {}, () => {
        throw new Error('sync boom');
      }),
    ).toThrow('sync boom');
    await expect(withSpan('async failure', {}, async () => Promise.reject(new Error('async boom')))).rejects.toThrow('async boom');

    for (const [name, message] of [['sync failure', 'sync boom'], ['async failure', 'async boom']] as const) {
      const span = exporter.getFinishedSpans().find((s) => s.name === name);
      expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message });
      expect(span?.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toBe(message);
    }
  });

  it('tags spans with the tenant and call of the log context', () => {
    withLogContext({ tenantId: 'tenant-7', callId: 'call-3' }, () => withSpan('tenant work', {}, () => undefined));
    expect(exporter.getFinishedSpans()[0]?.attributes).toMatchObject({ 'parley.tenant_id': 'tenant-7', 'parley.call_id': 'call-3' });
  });

  it('nests spans: a child started inside withSpan has it as parent', async () => {
    await withSpan('parent', {}, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      withSpan('child', {}, () => expect(isSpanContextValid(trace.getSpanContext(context.active())!)).toBe(true));
    });
    const parent = exporter.getFinishedSpans().find((s) => s.name === 'parent');
    const child = exporter.getFinishedSpans().find((s) => s.name === 'child');
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
  });
});
