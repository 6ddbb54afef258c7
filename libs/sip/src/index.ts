// @parley/sip: Parley's SIP stack — message model, parser and serializer, URIs, digest auth,
// RFC 3261 transactions (with RFC 6026), UDP/TCP/WebSocket transports, the SipStack endpoint and dialogs.
export * from './sip.errors';
export * from './sip-header-names';
export * from './sip-header-values';
export * from './sip-message';
export * from './sip-parser';
export * from './sip-serializer';
export * from './sip-uri';
export * from './sip-builders';
export * from './digest';
export * from './sip-scheduler';
export * from './sip-emitter';
export * from './transaction-keys';
export * from './transaction-client';
export * from './transaction-server';
export * from './transport';
export * from './flow-token';
export * from './transport-udp';
export * from './transport-tcp';
export * from './transport-ws';
export * from './sip-stack';
export * from './dialog';
export * from './session-timer';
