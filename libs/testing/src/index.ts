export * from './environment';
export * from './dedicated-kafka';
