import 'reflect-metadata';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import request from 'supertest';
import { createLogger, type Logger } from './logger';
import { createMetricsRegistry } from './metrics';
import { TELEMETRY_LOGGER } from './telemetry.constants';
import { TelemetryModule } from './telemetry.module';
import { initTracing, shutdownTracing } from './tracing';

const exporter = new InMemorySpanExporter();
const lines: string[] = [];
const logger = createLogger({ service: 'things-svc', level: 'info', destination: { write: (line: string) => void lines.push(line) } });
const registry = createMetricsRegistry('things-svc');
const readiness = { kafkaUp: false, slowHangs: false };

type LogLine = Record<string, unknown> & { msg?: string };
const logs = (): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine);
const TENANT = '5a4f2c1e-8b3d-4e6f-9a7b-1c2d3e4f5a6b';

/** Stands in for libs/auth's guard: attaches `request.principal` like it does. */
@Injectable()
class FakeAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: { tenantId: string } }>();
    if (req.headers['x-test-deny']) throw new UnauthorizedException('denied');
    const tenantId = req.headers['x-test-tenant'];
    if (tenantId) req.principal = { tenantId };
    return true;
  }
}

@Controller()
class ThingsController {
  constructor(@Inject(TELEMETRY_LOGGER) private readonly log: Logger) {}

  @Get('things/:id')
  async thing(@Param('id') id: string): Promise<{ id: string }> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.log.info({ thingId: id }, 'loaded thing');
    return { id };
  }

  @Get('explode')
  explode(): never {
    throw new Error('kaboom');
  }
}

@Module({
  imports: [
    TelemetryModule.forRoot({
      service: 'things-svc',
      logger,
      registry,
      readinessTimeoutMs: 100,
      readinessChecks: [
        { name: 'db', check: async () => undefined },
        {
          name: 'kafka',
          check: async () => {
            if (!readiness.kafkaUp) throw new Error('broker unreachable');
          },
        },
        { name: 'slow', check: () => (readiness.slowHangs ? new Promise<void>(() => undefined) : Promise.resolve()) },
      ],
    }),
  ],
  controllers: [ThingsController],
  providers: [{ provide: APP_GUARD, useClass: FakeAuthGuard }],
})
class AppModule {}

describe('TelemetryModule over HTTP', () => {
  let app: INestApplication;
  const serverSpans = (): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);

  beforeAll(async () => {
    initTracing({ serviceName: 'things-svc', spanProcessors: [new SimpleSpanProcessor(exporter)] });
    app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await shutdownTracing();
  });
  beforeEach(() => {
    exporter.reset();
    lines.length = 0;
    readiness.kafkaUp = false;
    readiness.slowHangs = false;
  });

  it('GET /health answers 200 without touching dependencies', async () => {
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', service: 'things-svc', uptimeSeconds: expect.any(Number) });
    // Probes are logged at debug only: no access line at info.
    expect(logs().filter((l) => l.route === '/health')).toEqual([]);
  });

  it('GET /ready answers 503 naming the failing check, and 200 once it passes', async () => {
    const down = await request(app.getHttpServer()).get('/ready').expect(503);
    expect(down.body).toEqual({ status: 'not-ready', checks: { db: 'ok', kafka: 'broker unreachable', slow: 'ok' } });
    readiness.kafkaUp = true;
    await request(app.getHttpServer()).get('/ready').expect(200, { status: 'ready', checks: { db: 'ok', kafka: 'ok', slow: 'ok' } });
  });

  it('GET /ready times a hanging check out instead of hanging itself', async () => {
    readiness.kafkaUp = true;
    readiness.slowHangs = true;
    const res = await request(app.getHttpServer()).get('/ready').expect(503);
    expect(res.body.checks).toEqual({ db: 'ok', kafka: 'ok', slow: 'timed out after 100 ms' });
  });

  it('GET /metrics serves Prometheus text with the request histogram, 401s and 404s included', async () => {
    await request(app.getHttpServer()).get('/things/42').set('x-test-tenant', TENANT).expect(200);
    await request(app.getHttpServer()).get('/things/43').set('x-test-deny', '1').expect(401);
    await request(app.getHttpServer()).get('/no/such/route').expect(404);
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    // Express re-orders the parameters of prom-client's content type; their order carries no meaning.
    const [mediaType, ...params] = String(res.headers['content-type']).split(/;\s*/);
    expect(mediaType).toBe('text/plain');
    expect(params.sort()).toEqual(['charset=utf-8', 'version=0.0.4']);
    const count = (route: string, status: number): number | undefined => {
      const line = res.text
        .split('\n')
        .find((l) => l.startsWith('http_server_request_duration_seconds_count{') && l.includes(`route="${route}"`) && l.includes(`status_code="${status}"`));
      expect(line).toContain('method="GET"');
      expect(line).toContain('service="things-svc"');
      return line === undefined ? undefined : Number(line.split(' ').pop());
    };
    expect(count('/things/:id', 200)).toBeGreaterThanOrEqual(1);
    expect(count('/things/:id', 401)).toBeGreaterThanOrEqual(1);
    expect(count('unmatched', 404)).toBeGreaterThanOrEqual(1);
    expect(res.text).toContain('# TYPE http_server_request_duration_seconds histogram');
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('continues an incoming trace: SERVER span with the same trace id, tenant attribute, traceparent answered', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const res = await request(app.getHttpServer())
      .get('/things/7')
      .set('traceparent', `00-${traceId}-${parentSpanId}-01`)
      .set('x-test-tenant', TENANT)
      .expect(200, { id: '7' });

    const [span] = serverSpans();
    expect(serverSpans()).toHaveLength(1);
    expect(span!.name).toBe('GET /things/:id');
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(span!.attributes).toMatchObject({ 'parley.tenant_id': TENANT, 'http.route': '/things/:id', 'http.response.status_code': 200, 'http.request.method': 'GET' });
    expect(res.headers.traceparent).toBe(`00-${traceId}-${span!.spanContext().spanId}-01`);
  });

  it('logs JSON lines carrying tenantId and traceId, from the handler and for the request', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await request(app.getHttpServer()).get('/things/9').set('traceparent', `00-${traceId}-b7ad6b7169203331-01`).set('x-test-tenant', TENANT).expect(200);

    const handlerLine = logs().find((l) => l.msg === 'loaded thing');
    expect(handlerLine).toMatchObject({ level: 'info', service: 'things-svc', thingId: '9', tenantId: TENANT, traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const accessLine = logs().find((l) => l.msg === 'request completed');
    expect(accessLine).toMatchObject({ service: 'things-svc', method: 'GET', route: '/things/:id', status: 200, tenantId: TENANT, traceId });
    expect(accessLine!.durationMs).toEqual(expect.any(Number));
    expect(accessLine!.durationMs as number).toBeGreaterThanOrEqual(4);
  });

  it('does not leak one request’s tenant into the next request’s logs', async () => {
    await request(app.getHttpServer()).get('/things/1').set('x-test-tenant', TENANT).expect(200);
    lines.length = 0;
    await request(app.getHttpServer()).get('/things/2').expect(200);
    const handlerLine = logs().find((l) => l.msg === 'loaded thing');
    expect(handlerLine).toBeDefined();
    expect(handlerLine).not.toHaveProperty('tenantId');
  });

  it('marks a failing handler: span status ERROR with the exception, access line at error level', async () => {
    await request(app.getHttpServer()).get('/explode').set('x-test-tenant', TENANT).expect(500);
    const [span] = serverSpans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.events.map((e) => e.name)).toContain('exception');
    expect(logs().find((l) => l.msg === 'request completed')).toMatchObject({ level: 'error', status: 500, route: '/explode', tenantId: TENANT });
  });
});
