export { createPlatformApp, type PlatformAppDeps } from './platform-app';
export { DEMO_NUMBER, DEMO_OWNER_EMAIL, DEMO_SLUG } from './demo-tenant';
