import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type TokenService } from '@parley/auth';
import { configureHttpApp, nestFrameworkLogger } from '@parley/http';
import { type EventBus } from '@parley/messaging';
import { createMetricsRegistry, PinoNestLogger, TelemetryModule, type Logger } from '@parley/telemetry';
import { AcdModule, type AcdServiceDeps } from '@parley/acd';
import { CtiModule, type CtiServiceDeps } from '@parley/cti';
import { IvrModule, type IvrServiceDeps } from '@parley/ivr';
import { TenantModule, tenantAuthModule, type TenantServiceDeps } from '@parley/tenant';
import { type DataSource } from 'typeorm';
import { serveWebApp } from './web-app';

export interface PlatformAppDeps {
  logger: Logger;
  bus: EventBus;
  tokenService: TokenService;
  /** Any data source of the shared database, for the readiness check. */
  probe: DataSource;
  tenant: TenantServiceDeps;
  ivr: IvrServiceDeps;
  acd: AcdServiceDeps;
  cti: CtiServiceDeps;
  /** The built web app (apps/web/dist); served at / when present. */
  webRoot?: string;
}

/** One HTTP app serving every service's API (each service keeps its own module, schema and data source). */
export async function createPlatformApp(deps: PlatformAppDeps): Promise<INestApplication> {
  const tenantModule = TenantModule.register(deps.tenant);
  // One registry: every service's series on the one /metrics of the all-in-one process.
  const registry = createMetricsRegistry('platform');

  @Module({
    imports: [
      tenantModule,
      tenantAuthModule(tenantModule, deps.tokenService),
      IvrModule.register({ ...deps.ivr, metrics: registry }),
      AcdModule.register({ ...deps.acd, metrics: registry }),
      CtiModule.register({ ...deps.cti, metrics: registry }),
      TelemetryModule.forRoot({
        service: 'platform',
        logger: deps.logger,
        registry,
        readinessChecks: [
          { name: 'postgres', check: async () => void (await deps.probe.query('SELECT 1')) },
          { name: 'bus', check: () => deps.bus.ping() },
        ],
      }),
    ],
  })
  class PlatformModule {}

  const app = await NestFactory.create(PlatformModule, { logger: new PinoNestLogger(nestFrameworkLogger(deps.logger)), bodyParser: false });
  if (deps.webRoot && !serveWebApp(app, deps.webRoot)) deps.logger.warn({ webRoot: deps.webRoot }, 'the web app is not built (npm run build:web): / serves nothing');
  configureHttpApp(app, { logger: deps.logger, title: 'Parley API' });
  return app;
}
