import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { SYSTEM_ROLE } from '@parley/persistence';

/**
 * Lets the system role read users and seats, for rebuilding other services' projections of the
 * tenant directory (voice routes calls by it) when their event history is gone (all-in-one restarts).
 */
export class TenantDirectoryRead1764300000000 implements MigrationInterface {
  name = 'TenantDirectoryRead1764300000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['users', 'seats']) {
      await q.query(`CREATE POLICY system_select ON tenant.${table} FOR SELECT TO ${SYSTEM_ROLE} USING (true)`);
      await q.query(`GRANT SELECT ON tenant.${table} TO ${SYSTEM_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['users', 'seats']) {
      await q.query(`REVOKE SELECT ON tenant.${table} FROM ${SYSTEM_ROLE}`);
      await q.query(`DROP POLICY system_select ON tenant.${table}`);
    }
  }
}
