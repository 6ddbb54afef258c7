// @parley/messaging: envelopes, the event bus port and its adapters (in-process, Kafka), the
// transactional outbox and its relay, and the inbox for idempotent consumers.
export * from './event-bus.port';
export * from './messaging-logger';
export * from './message.errors';
export * from './envelope';
export * from './wire-format';
export * from './dead-letter';
export { TimeoutError, type BackoffPolicy } from './backoff';
export * from './in-process-event-bus';
export * from './kafka-event-bus';
export * from './consumer-group-position';
export * from './outbox';
export * from './outbox-relay';
export * from './inbox';
export * from './messaging-migration';
