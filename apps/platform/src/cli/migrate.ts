// Runs every service's migrations as the schema owner (the Helm migrations Job; also usable by hand).
//   PG_MIGRATION_URL=postgres://parley_owner:...@host/parley node -r ./tools/register.cjs apps/platform/src/cli/migrate.ts
import { runMigrations } from '@parley/persistence';
import { serviceSchemas } from '../services';

async function main(): Promise<void> {
  const ownerUrl = process.env.PG_MIGRATION_URL;
  if (!ownerUrl) throw new Error('PG_MIGRATION_URL is required (a connection as the schema owner)');
  for (const { schema, migrations } of serviceSchemas) {
    const applied = await runMigrations({ ownerUrl, schema, migrations });
    process.stdout.write(`${JSON.stringify({ schema, applied })}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrations failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
