/**
 * Database roles. Migrations run as the schema owner; services connect as `parley_app`, which is
 * subject to row-level security (no BYPASSRLS, not the owner). `parley_system` is a NOLOGIN role
 * that `parley_app` may switch to inside one transaction (`SET LOCAL ROLE`) for the few
 * cross-tenant jobs that need it (outbox relay, tenant lookup by slug at login). Its access is
 * granted table by table through explicit policies, never by BYPASSRLS.
 */
export const APP_ROLE = 'parley_app';
export const SYSTEM_ROLE = 'parley_system';
export const OWNER_ROLE = 'parley_owner';

/** The session setting row-level security policies read. */
export const TENANT_SETTING = 'app.tenant_id';
