import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defineTopic } from '@parley/contracts';
import { currentLogContext, initTracing, SpanKind, withSpan } from '@parley/telemetry';
import { createEnvelope } from './envelope';
import { InProcessEventBus } from './in-process-event-bus';

const topic = defineTopic({
  name: 'test.trace.happened.v1',
  status: 'draft',
  description: 'trace propagation test',
  schema: z.object({ n: z.number() }),
  keyOf: (p) => String(p.n),
});

describe('trace and tenant propagation through a message', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => initTracing({ serviceName: 'messaging-test', spanProcessors: [new SimpleSpanProcessor(exporter)] }));

  it('carries traceparent in the envelope headers and runs the consumer in a CONSUMER span of the same trace, with the tenant in the log context', async () => {
    const bus = new InProcessEventBus();
    const tenantId = randomUUID();
    const seen = new Promise<{ traceId?: string; tenantId?: string }>((resolve) => {
      void bus.subscribe({
        group: 'test.trace',
        topics: [topic],
        handle: async () => resolve({ traceId: trace.getActiveSpan()?.spanContext().traceId, tenantId: currentLogContext().tenantId }),
      });
    });

    const producerTraceId = await withSpan('request', { kind: SpanKind.SERVER }, async (span) => {
      const envelope = createEnvelope(topic, tenantId, { n: 1 });
      expect(envelope.headers.traceparent).toMatch(new RegExp(`^00-${span.spanContext().traceId}-[0-9a-f]{16}-0[01]$`));
      await bus.publish([envelope]);
      return span.spanContext().traceId;
    });

    const consumed = await seen;
    expect(consumed).toEqual({ traceId: producerTraceId, tenantId });
    await bus.close();
    const consumer = exporter.getFinishedSpans().find((s) => s.name === `${topic.name} process`);
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
    expect(consumer?.spanContext().traceId).toBe(producerTraceId);
  });

  it('adds no traceparent when there is no active span', () => {
    expect(createEnvelope(topic, randomUUID(), { n: 2 }).headers.traceparent).toBeUndefined();
  });
});
