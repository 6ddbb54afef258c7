export { withLogContext, currentLogContext, type LogContext } from './log-context';
export * from './logger';
export * from './tracing';
export * from './metrics';
export * from './readiness';
export {
  TELEMETRY_OPTIONS,
  TELEMETRY_LOGGER,
  TELEMETRY_METRICS_REGISTRY,
  AUTH_PUBLIC_METADATA_KEY,
} from './telemetry.constants';
export type { TelemetryModuleOptions } from './telemetry.options';
export { TelemetryController, type HealthBody, type ReadyBody } from './telemetry.controller';
export { HttpTelemetryMiddleware, type TelemetryRequest } from './http-telemetry.middleware';
export { HttpTelemetryInterceptor } from './http-telemetry.interceptor';
export * from './telemetry.module';
