import { createMessagingMigration } from '@parley/messaging';
import { TENANT_SCHEMA } from '../tenant.tokens';
import { TenantInitial1764200000000 } from './1764200000000-tenant-initial';
import { TenantDirectoryRead1764300000000 } from './1764300000000-tenant-directory-read';
import { TenantVoiceSettings1764400000000 } from './1764400000000-tenant-voice-settings';

/** The tenant service's migrations, in order (the outbox and inbox tables first). */
export const tenantMigrations = [
  createMessagingMigration(TENANT_SCHEMA, 'TenantMessaging', 1764100000000),
  TenantInitial1764200000000,
  TenantDirectoryRead1764300000000,
  TenantVoiceSettings1764400000000,
];
