import type { Registry } from 'prom-client';
import type { Logger } from './logger';
import type { ReadinessCheck } from './readiness';

export interface TelemetryModuleOptions {
  service: string;
  logger: Logger;
  registry: Registry;
  readinessChecks?: ReadinessCheck[];
  /** Per-check timeout of GET /ready; default 2000 ms. */
  readinessTimeoutMs?: number;
}
