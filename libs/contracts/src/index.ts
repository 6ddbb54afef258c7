export * from './envelope';
export * from './topic';
export * from './registry';
export * from './tenant/roles';
export * from './tenant/tenant.events';
export * from './tenant/tenant.http';
export * from './compatibility';
export * from './json-schema';
