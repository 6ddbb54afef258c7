import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, type TokenService } from '@parley/auth';
import { configureHttpApp, nestFrameworkLogger } from '@parley/http';
import { createMetricsRegistry, PinoNestLogger, TelemetryModule, type Logger } from '@parley/telemetry';
import { AcdModule, type AcdServiceDeps } from './acd.module';

export interface AcdAppOptions extends AcdServiceDeps {
  logger: Logger;
  /** Verifies the access tokens the tenant service issues (same secret and issuer). */
  tokenService: TokenService;
}

/** The acd service as its own HTTP app: access-token auth, telemetry routes, the API under /api/v1. */
export async function createAcdApp(options: AcdAppOptions): Promise<INestApplication> {
  const registry = options.metrics ?? createMetricsRegistry('acd');

  @Module({
    imports: [
      AcdModule.register({ ...options, metrics: registry }),
      AuthModule.forRoot({ tokenService: options.tokenService }),
      TelemetryModule.forRoot({
        service: 'acd',
        logger: options.logger,
        registry,
        readinessChecks: [
          { name: 'postgres', check: async () => void (await options.dataSource.query('SELECT 1')) },
          { name: 'bus', check: () => options.bus.ping() },
          { name: 'realtime', check: () => options.realtime.ping() },
        ],
      }),
    ],
  })
  class AcdAppModule {}

  const app = await NestFactory.create(AcdAppModule, { logger: new PinoNestLogger(nestFrameworkLogger(options.logger)), bodyParser: false });
  configureHttpApp(app, { logger: options.logger, title: 'Parley acd service', trustProxy: options.config.TRUST_PROXY === 'true' });
  return app;
}
