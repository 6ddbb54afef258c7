import { type INestApplication } from '@nestjs/common';
import { type TokenService } from '@parley/auth';
import { createServiceApp } from '@parley/http';
import { createMetricsRegistry, type Logger } from '@parley/telemetry';
import { CtiModule, type CtiServiceDeps } from './cti.module';

export interface CtiAppOptions extends CtiServiceDeps {
  logger: Logger;
  /** Verifies the access tokens the tenant service issues (same secret and issuer). */
  tokenService: TokenService;
}

/** The cti service as its own HTTP app: access-token auth, telemetry routes, the API under /api/v1, the desktop WebSocket. */
export async function createCtiApp(options: CtiAppOptions): Promise<INestApplication> {
  const registry = options.metrics ?? createMetricsRegistry('cti');
  return createServiceApp({
    service: 'cti',
    module: CtiModule.register({ ...options, metrics: registry }),
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
