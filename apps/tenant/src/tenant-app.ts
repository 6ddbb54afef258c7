import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configureHttpApp, nestFrameworkLogger } from '@parley/http';
import { createMetricsRegistry, PinoNestLogger, TelemetryModule, type Logger } from '@parley/telemetry';
import { TenantModule, tenantAuthModule, type TenantServiceDeps } from './tenant.module';

export interface TenantAppOptions extends TenantServiceDeps {
  logger: Logger;
}

/** The tenant service as its own HTTP app: auth guards, telemetry routes, the API under /api/v1. */
export async function createTenantApp(options: TenantAppOptions): Promise<INestApplication> {
  const tenantModule = TenantModule.register(options);
  const registry = createMetricsRegistry('tenant');

  @Module({
    imports: [
      tenantModule,
      tenantAuthModule(tenantModule, options.tokenService),
      TelemetryModule.forRoot({
        service: 'tenant',
        logger: options.logger,
        registry,
        readinessChecks: [
          { name: 'postgres', check: async () => void (await options.dataSource.query('SELECT 1')) },
          { name: 'bus', check: () => options.bus.ping() },
        ],
      }),
    ],
  })
  class TenantAppModule {}

  const app = await NestFactory.create(TenantAppModule, { logger: new PinoNestLogger(nestFrameworkLogger(options.logger)), bodyParser: false });
  configureHttpApp(app, { logger: options.logger, title: 'Parley tenant service', trustProxy: options.config.TRUST_PROXY === 'true' });
  return app;
}
