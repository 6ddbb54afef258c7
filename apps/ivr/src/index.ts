// The ivr service. Its pure domain (flow validation, the per-call executor, the simulator), then
// what a runner needs to host it: the Nest module (or the whole app), entities, migrations, schema
// name and settings.
export * from './flows/flow-graph';
export * from './flows/flow-validator';
export * from './flows/flow-conditions';
export * from './flows/flow-executor.types';
export * from './flows/flow-executor';
export * from './flows/flow-simulator';
export * from './flows/demo-flow';
export { IvrModule, type IvrServiceDeps } from './ivr.module';
export { createIvrApp, type IvrAppOptions } from './ivr-app';
export { ivrMigrations } from './migrations';
export { ivrEntities } from './entities';
export { loadIvrEnv, ivrEnvSchema, type IvrEnv } from './config/env.schema';
export { IVR_SCHEMA, IVR_UNIT_OF_WORK, ivrConsumerGroups, type IvrConsumerGroups } from './ivr.tokens';
export { FlowsService } from './flows/flows.service';
export { BindingsService } from './numbers/bindings.service';
export { DemoFlowService, type DemoNumber } from './demo/demo-flow.service';
export { NumbersSnapshotService, type AssignedNumber } from './numbers/numbers-snapshot.service';
export { CallTimerScheduler } from './calls/call-timer.scheduler';
export type { FlowView, FlowSummaryView, FlowVersionView, FlowVersionSummaryView, FlowValidationView } from './flows/dto/flow.dto';
export type { BindingView, IvrNumberView } from './numbers/dto/binding.dto';
