export * from './acd.events';
export * from './acd.http';
