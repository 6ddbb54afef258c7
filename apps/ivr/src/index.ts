// The ivr service. Its pure domain (flow validation, the per-call executor, the simulator) comes
// first; the Nest module, consumers and repositories build on it.
export * from './flows/flow-graph';
export * from './flows/flow-validator';
export * from './flows/flow-conditions';
export * from './flows/flow-executor.types';
export * from './flows/flow-executor';
export * from './flows/flow-simulator';
export * from './flows/demo-flow';
