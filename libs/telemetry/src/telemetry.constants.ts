/** Injection token of the `TelemetryModuleOptions`. */
export const TELEMETRY_OPTIONS = Symbol.for('parley:telemetry:options');
/** Injection token of the service's pino logger. */
export const TELEMETRY_LOGGER = Symbol.for('parley:telemetry:logger');
/** Injection token of the service's prom-client registry. */
export const TELEMETRY_METRICS_REGISTRY = Symbol.for('parley:telemetry:metrics-registry');

/**
 * The metadata key libs/auth's `@Public()` sets (`IS_PUBLIC_KEY` there). Telemetry must not
 * depend on auth, so it repeats the literal to mark /health, /ready and /metrics public.
 * Change both together.
 */
export const AUTH_PUBLIC_METADATA_KEY = 'parley:isPublic';

/** Routes whose requests are logged at debug level only (probes and scrapes). */
export const QUIET_ROUTE_METADATA_KEY = 'parley:telemetry:quiet';
