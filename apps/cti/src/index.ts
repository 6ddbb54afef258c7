// The cti service: what a runner needs to host it (the Nest module or the whole app), migrations,
// schema name, settings, the real-time adapters, and the pure pieces others may test against.
export { CtiModule, type CtiServiceDeps } from './cti.module';
export { createCtiApp, type CtiAppOptions } from './cti-app';
export { ctiMigrations } from './migrations';
export { loadCtiEnv, ctiEnvSchema, type CtiEnv } from './config/env.schema';
export { CTI_SCHEMA, CTI_UNIT_OF_WORK, CTI_COMMAND_ISSUER, ctiConsumerGroups, type CtiConsumerGroups, type CtiLogger } from './cti.tokens';
export { type CtiRealtime, type CtiSignal, type PushAudience, type WsTicketClaims } from './realtime/cti-realtime.port';
export { memoryCtiRealtime } from './realtime/memory-cti-realtime';
export { redisCtiRealtime } from './realtime/redis-cti-realtime';
export { SeatsSnapshotService, type SeatedUser } from './seats/seats-snapshot.service';
export { DesktopGateway } from './desktop/desktop.gateway';
export { CALL_TOPICS } from './calls/call-events.consumer';
export { LIVE_TOPICS } from './desktop/live.consumer';
export { maskPhoneNumber, toE164 } from './phone/phone-number';
