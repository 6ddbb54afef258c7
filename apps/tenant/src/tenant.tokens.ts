/** Injection tokens of the tenant service's collaborators, provided by whoever composes it (main.ts, apps/platform). */
export const TENANT_DATA_SOURCE = Symbol.for('parley:tenant:data-source');
export const TENANT_UNIT_OF_WORK = Symbol.for('parley:tenant:unit-of-work');
export const TENANT_CONFIG = Symbol.for('parley:tenant:config');
export const TENANT_TOKEN_SERVICE = Symbol.for('parley:tenant:token-service');
export const TENANT_EVENT_BUS = Symbol.for('parley:tenant:event-bus');
export const TENANT_LOGGER = Symbol.for('parley:tenant:logger');
export const TENANT_CLOCK = Symbol.for('parley:tenant:clock');

export const TENANT_SCHEMA = 'tenant';

/** Seats each plan includes (billing owns prices; this is the licence cap). */
export const PLAN_SEAT_LIMITS = { trial: 5, team: 25, business: 200, enterprise: 5000 } as const;

export interface TenantLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export type Clock = () => Date;
