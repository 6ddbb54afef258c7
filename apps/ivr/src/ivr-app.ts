import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, type TokenService } from '@parley/auth';
import { configureHttpApp, nestFrameworkLogger } from '@parley/http';
import { createMetricsRegistry, PinoNestLogger, TelemetryModule, type Logger } from '@parley/telemetry';
import { IvrModule, type IvrServiceDeps } from './ivr.module';

export interface IvrAppOptions extends IvrServiceDeps {
  logger: Logger;
  /** Verifies the access tokens the tenant service issues (same secret and issuer). */
  tokenService: TokenService;
}

/** The ivr service as its own HTTP app: access-token auth, telemetry routes, the API under /api/v1. */
export async function createIvrApp(options: IvrAppOptions): Promise<INestApplication> {
  const registry = options.metrics ?? createMetricsRegistry('ivr');

  @Module({
    imports: [
      IvrModule.register({ ...options, metrics: registry }),
      AuthModule.forRoot({ tokenService: options.tokenService }),
      TelemetryModule.forRoot({
        service: 'ivr',
        logger: options.logger,
        registry,
        readinessChecks: [
          { name: 'postgres', check: async () => void (await options.dataSource.query('SELECT 1')) },
          { name: 'bus', check: () => options.bus.ping() },
        ],
      }),
    ],
  })
  class IvrAppModule {}

  const app = await NestFactory.create(IvrAppModule, { logger: new PinoNestLogger(nestFrameworkLogger(options.logger)), bodyParser: false });
  configureHttpApp(app, { logger: options.logger, title: 'Parley ivr service', trustProxy: options.config.TRUST_PROXY === 'true' });
  return app;
}
