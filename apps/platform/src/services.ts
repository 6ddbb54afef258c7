import { type runMigrations } from '@parley/persistence';
import { ACD_SCHEMA, acdMigrations } from '@parley/acd';
import { CTI_SCHEMA, ctiMigrations } from '@parley/cti';
import { IVR_SCHEMA, ivrMigrations } from '@parley/ivr';
import { TENANT_SCHEMA, tenantMigrations } from '@parley/tenant';

/** Every service's schema and migration set, in the order they are applied. */
export const serviceSchemas: { schema: string; migrations: Parameters<typeof runMigrations>[0]['migrations'] }[] = [
  { schema: TENANT_SCHEMA, migrations: tenantMigrations },
  { schema: IVR_SCHEMA, migrations: ivrMigrations },
  { schema: ACD_SCHEMA, migrations: acdMigrations },
  { schema: CTI_SCHEMA, migrations: ctiMigrations },
];
