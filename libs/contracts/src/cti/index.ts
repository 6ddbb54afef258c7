export * from './cti.events';
export * from './cti.http';
export * from './cti.ws';
