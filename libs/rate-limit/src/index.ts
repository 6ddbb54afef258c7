export * from './counter-store.port';
export * from './memory-counter.store';
export * from './redis-counter.store';
