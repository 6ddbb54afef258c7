import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AUTH_PUBLIC_METADATA_KEY, createLogger, createMetricsRegistry, TelemetryModule } from '@parley/telemetry';
import request from 'supertest';
import { IS_PUBLIC_KEY } from './auth.constants';
import { AuthModule } from './auth.module';
import { CurrentTenant } from './current-tenant.decorator';
import { TokenService } from './token.service';

// libs/telemetry repeats the "public route" metadata key instead of importing libs/auth; this pins
// the two together and checks the real guard and the real telemetry work side by side.

const tokens = new TokenService({ issuer: 'parley-tenant', audience: 'parley', signingSecret: 'auth-telemetry-test-secret-0123456789abcdef' });
const lines: string[] = [];

@Controller('calls')
class CallsController {
  @Get()
  list(@CurrentTenant() tenantId: string): { tenantId: string } {
    return { tenantId };
  }
}

@Module({
  imports: [
    AuthModule.forRoot({ tokenService: tokens }),
    TelemetryModule.forRoot({
      service: 'calls',
      logger: createLogger({ service: 'calls', level: 'info', destination: { write: (l: string) => void lines.push(l) } }),
      registry: createMetricsRegistry('calls'),
      readinessChecks: [],
    }),
  ],
  controllers: [CallsController],
})
class AppModule {}

describe('AuthModule with TelemetryModule', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
  });

  it('uses the same "public" metadata key', () => {
    expect(AUTH_PUBLIC_METADATA_KEY).toBe(IS_PUBLIC_KEY);
  });

  it('leaves /health, /ready and /metrics open while other routes need a token', async () => {
    await request(app.getHttpServer()).get('/health').expect(200);
    await request(app.getHttpServer()).get('/ready').expect(200, { status: 'ready', checks: {} });
    await request(app.getHttpServer()).get('/metrics').expect(200);
    await request(app.getHttpServer()).get('/calls').expect(401);
  });

  it("logs the authenticated principal's tenant on the access line", async () => {
    const tenantId = randomUUID();
    const { token } = await tokens.issueAccessToken({ sub: randomUUID(), tenantId, tenantSlug: 'acme', role: 'agent', sessionId: 's-1', hasSeat: true });
    lines.length = 0;
    await request(app.getHttpServer()).get('/calls').set('Authorization', `Bearer ${token}`).expect(200, { tenantId });
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request completed');
    expect(access).toMatchObject({ route: '/calls', status: 200, tenantId });
    // Tracing is not initialised in this file: no all-zero trace id is logged.
    expect(access).not.toHaveProperty('traceId');
  });
});
