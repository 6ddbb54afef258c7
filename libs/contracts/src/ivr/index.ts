export * from './ivr.flow';
export * from './ivr.events';
export * from './ivr.simulation';
