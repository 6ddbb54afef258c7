import { APP_ROLE, SYSTEM_ROLE, TENANT_SETTING } from './roles';

const IDENT = /^[a-z_][a-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`"${name}" is not a plain SQL identifier`);
  return name;
}

/** The tenant id of the current transaction, NULL when none was set (so policies fail closed). */
export const CURRENT_TENANT_SQL = `NULLIF(current_setting('${TENANT_SETTING}', true), '')::uuid`;

export interface TenantTableOptions {
  /** Column holding the owning tenant (default `tenant_id`). */
  column?: string;
  /** Commands `parley_system` may run on every tenant's rows (default none). */
  systemAccess?: readonly ('SELECT' | 'INSERT' | 'UPDATE' | 'DELETE')[];
}

/**
 * SQL that puts a table under row-level security: ENABLE + FORCE (so even the owner is filtered),
 * a policy restricting every role to the current tenant's rows, grants for the app role and,
 * when asked, per-command policies for the system role. Use it in migrations for every tenant table.
 */
export function tenantTableSecuritySql(schema: string, table: string, options: TenantTableOptions = {}): string[] {
  const qualified = `${ident(schema)}.${ident(table)}`;
  const column = ident(options.column ?? 'tenant_id');
  const statements = [
    `ALTER TABLE ${qualified} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${qualified} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY tenant_isolation ON ${qualified} USING (${column} = ${CURRENT_TENANT_SQL}) WITH CHECK (${column} = ${CURRENT_TENANT_SQL})`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${qualified} TO ${APP_ROLE}`,
  ];
  for (const command of options.systemAccess ?? []) {
    const using = command === 'INSERT' ? '' : ' USING (true)';
    const check = command === 'INSERT' || command === 'UPDATE' ? ' WITH CHECK (true)' : '';
    statements.push(`CREATE POLICY system_${command.toLowerCase()} ON ${qualified} FOR ${command} TO ${SYSTEM_ROLE}${using}${check}`);
    statements.push(`GRANT ${command} ON ${qualified} TO ${SYSTEM_ROLE}`);
  }
  return statements;
}

/** SQL that creates a service schema and lets the app (and system) roles use it. */
export function serviceSchemaSql(schema: string): string[] {
  const s = ident(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${APP_ROLE}, ${SYSTEM_ROLE}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}, ${SYSTEM_ROLE}`,
  ];
}
