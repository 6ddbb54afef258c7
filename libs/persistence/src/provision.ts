import { Client } from 'pg';
import { APP_ROLE, OWNER_ROLE, SYSTEM_ROLE } from './roles';

export interface ProvisionOptions {
  /** A superuser (or CREATEROLE + CREATEDB) connection to any database of the cluster. */
  adminUrl: string;
  database: string;
  ownerPassword: string;
  appPassword: string;
  /** Drop and recreate the database first (test runs only). */
  recreate?: boolean;
}

export interface ProvisionedUrls {
  ownerUrl: string;
  appUrl: string;
}

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function withCredentials(adminUrl: string, database: string, user: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = user;
  url.password = password;
  url.pathname = `/${database}`;
  return url.toString();
}

async function ensureRole(client: Client, role: string, attributes: string, password?: string): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const pw = password === undefined ? '' : ` PASSWORD ${quoteLiteral(password)}`;
  const verb = exists.rowCount ? 'ALTER' : 'CREATE';
  try {
    await client.query(`${verb} ROLE ${role} ${attributes}${pw}`);
  } catch (error) {
    // Two provisioners racing to create the same role: the loser's CREATE fails; the role exists, which is the goal.
    if (verb === 'CREATE' && (error as { code?: string }).code === '23505') return;
    if (verb === 'CREATE' && (error as { code?: string }).code === '42710') return;
    throw error;
  }
}

/**
 * Creates (idempotently) the roles and the database Parley runs on. The owner role owns the
 * database and runs migrations; the app role is what services connect as — neither superuser
 * nor BYPASSRLS, so row-level security always applies to it.
 */
export async function provisionDatabase(options: ProvisionOptions): Promise<ProvisionedUrls> {
  if (!DB_NAME.test(options.database)) throw new Error(`database name "${options.database}" is not a plain identifier`);
  const admin = new Client({ connectionString: options.adminUrl, application_name: 'parley-provision' });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock(hashtext('parley:provision'))");
    await ensureRole(admin, OWNER_ROLE, 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE', options.ownerPassword);
    await ensureRole(admin, APP_ROLE, 'LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB', options.appPassword);
    await ensureRole(admin, SYSTEM_ROLE, 'NOLOGIN NOSUPERUSER NOBYPASSRLS');
    // NOINHERIT on the app role: it may SET ROLE to the system role, but the system role's policies
    // do not apply to it otherwise (policies follow inherited privileges).
    const version = Number((await admin.query('SHOW server_version_num')).rows[0].server_version_num);
    await admin.query(
      version >= 160000 ? `GRANT ${SYSTEM_ROLE} TO ${APP_ROLE} WITH INHERIT FALSE, SET TRUE` : `GRANT ${SYSTEM_ROLE} TO ${APP_ROLE}`,
    );
    if (options.recreate) await admin.query(`DROP DATABASE IF EXISTS ${options.database} WITH (FORCE)`);
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (!db.rowCount) await admin.query(`CREATE DATABASE ${options.database} OWNER ${OWNER_ROLE}`);
    await admin.query("SELECT pg_advisory_unlock(hashtext('parley:provision'))");
  } finally {
    await admin.end();
  }

  const inDb = new Client({ connectionString: withCredentials(options.adminUrl, options.database, new URL(options.adminUrl).username, decodeURIComponent(new URL(options.adminUrl).password)) });
  await inDb.connect();
  try {
    await inDb.query(`REVOKE ALL ON DATABASE ${options.database} FROM PUBLIC`);
    await inDb.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${options.database} TO ${APP_ROLE}`);
    await inDb.query(`GRANT CONNECT, CREATE ON DATABASE ${options.database} TO ${OWNER_ROLE}`);
    await inDb.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  } finally {
    await inDb.end();
  }
  return {
    ownerUrl: withCredentials(options.adminUrl, options.database, OWNER_ROLE, options.ownerPassword),
    appUrl: withCredentials(options.adminUrl, options.database, APP_ROLE, options.appPassword),
  };
}
