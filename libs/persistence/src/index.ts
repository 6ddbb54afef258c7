export * from './roles';
export * from './rls';
export * from './tenant-id';
export * from './unit-of-work';
export * from './data-source';
export * from './migrate';
export * from './provision';
export * from './pg-errors';
