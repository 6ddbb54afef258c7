import { type INestApplication } from '@nestjs/common';
import { type TokenService } from '@parley/auth';
import { createServiceApp } from '@parley/http';
import { createMetricsRegistry, type Logger } from '@parley/telemetry';
import { AcdModule, type AcdServiceDeps } from './acd.module';

export interface AcdAppOptions extends AcdServiceDeps {
  logger: Logger;
  /** Verifies the access tokens the tenant service issues (same secret and issuer). */
  tokenService: TokenService;
}

/** The acd service as its own HTTP app: access-token auth, telemetry routes, the API under /api/v1. */
export async function createAcdApp(options: AcdAppOptions): Promise<INestApplication> {
  const registry = options.metrics ?? createMetricsRegistry('acd');
  return createServiceApp({
    service: 'acd',
    module: AcdModule.register({ ...options, metrics: registry }),
    logger: options.logger,
    registry,
    tokenService: options.tokenService,
    readinessChecks: [
      { name: 'postgres', check: async () => void (await options.dataSource.query('SELECT 1')) },
      { name: 'bus', check: () => options.bus.ping() },
      { name: 'realtime', check: () => options.realtime.ping() },
    ],
    trustProxy: options.config.TRUST_PROXY === 'true',
  });
}
