import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, type TokenService } from '@parley/auth';
import { type Logger, PinoNestLogger, type ReadinessCheck, type Registry, TelemetryModule } from '@parley/telemetry';
import { configureHttpApp, nestFrameworkLogger } from './configure-http-app';

export interface ServiceAppSpec {
  /** The service's name: metrics, logs and the OpenAPI title. */
  service: string;
  /** The service's own module (`XModule.register(deps)`). */
  module: DynamicModule;
  logger: Logger;
  registry: Registry;
  /** Verifies the access tokens the tenant service issues (same secret and issuer). */
  tokenService: TokenService;
  /** What GET /ready checks (PostgreSQL, the bus, Redis...). */
  readinessChecks: ReadinessCheck[];
  /** Take the client address from X-Forwarded-For (behind an ingress). */
  trustProxy: boolean;
}

/**
 * A service as its own HTTP app: its module, access-token authentication, /health /ready /metrics,
 * the API under /api/v1 with the house error shape and OpenAPI. Every service's `createXApp` is this.
 */
export async function createServiceApp(spec: ServiceAppSpec): Promise<INestApplication> {
  @Module({
    imports: [
      spec.module,
      AuthModule.forRoot({ tokenService: spec.tokenService }),
      TelemetryModule.forRoot({ service: spec.service, logger: spec.logger, registry: spec.registry, readinessChecks: spec.readinessChecks }),
    ],
  })
  class ServiceAppModule {}

  const app = await NestFactory.create(ServiceAppModule, { logger: new PinoNestLogger(nestFrameworkLogger(spec.logger)), bodyParser: false });
  configureHttpApp(app, { logger: spec.logger, title: `Parley ${spec.service} service`, trustProxy: spec.trustProxy });
  return app;
}
