import { type INestApplication } from '@nestjs/common';
import { type TokenService } from '@parley/auth';
import { createServiceApp } from '@parley/http';
import { createMetricsRegistry, type Logger } from '@parley/telemetry';
import { IvrModule, type IvrServiceDeps } from './ivr.module';

export interface IvrAppOptions extends IvrServiceDeps {
  logger: Logger;
  /** Verifies the access tokens the tenant service issues (same secret and issuer). */
  tokenService: TokenService;
}

/** The ivr service as its own HTTP app: access-token auth, telemetry routes, the API under /api/v1. */
export async function createIvrApp(options: IvrAppOptions): Promise<INestApplication> {
  const registry = options.metrics ?? createMetricsRegistry('ivr');
  return createServiceApp({
    service: 'ivr',
    module: IvrModule.register({ ...options, metrics: registry }),
    logger: options.logger,
    registry,
    tokenService: options.tokenService,
    readinessChecks: [
      { name: 'postgres', check: async () => void (await options.dataSource.query('SELECT 1')) },
      { name: 'bus', check: () => options.bus.ping() },
    ],
    trustProxy: options.config.TRUST_PROXY === 'true',
  });
}
