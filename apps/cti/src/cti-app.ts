import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, type TokenService } from '@parley/auth';
import { configureHttpApp, nestFrameworkLogger } from '@parley/http';
import { createMetricsRegistry, PinoNestLogger, TelemetryModule, type Logger } from '@parley/telemetry';
import { CtiModule, type CtiServiceDeps } from './cti.module';

export interface CtiAppOptions extends CtiServiceDeps {
  logger: Logger;
  /** Verifies the access tokens the tenant service issues (same secret and issuer). */
  tokenService: TokenService;
}

/** The cti service as its own HTTP app: access-token auth, telemetry routes, the API under /api/v1, the desktop WebSocket. */
export async function createCtiApp(options: CtiAppOptions): Promise<INestApplication> {
  const registry = options.metrics ?? createMetricsRegistry('cti');

  @Module({
    imports: [
      CtiModule.register({ ...options, metrics: registry }),
      AuthModule.forRoot({ tokenService: options.tokenService }),
      TelemetryModule.forRoot({
        service: 'cti',
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
  class CtiAppModule {}

  const app = await NestFactory.create(CtiAppModule, { logger: new PinoNestLogger(nestFrameworkLogger(options.logger)), bodyParser: false });
  configureHttpApp(app, { logger: options.logger, title: 'Parley cti service', trustProxy: options.config.TRUST_PROXY === 'true' });
  return app;
}
