export * from './ivr.flow';
export * from './ivr.flow-graph';
export * from './ivr.events';
export * from './ivr.simulation';
