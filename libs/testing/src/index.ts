export * from './environment';
export * from './dedicated-kafka';
export * from './browser';
export * from './agent-softphone';
export * from './wait-for';
