export * from './api-exception.filter';
export * from './zod-validation.pipe';
export * from './uuid-param.pipe';
export * from './openapi';
export * from './configure-http-app';
export * from './close-on-signals';
export * from './non-public-address';
export * from './create-service-app';
