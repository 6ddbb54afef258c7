export * from './acd.events';
