import { randomUUID } from 'node:crypto';
import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { testEnvironment, uniqueName } from '@parley/testing';
import { createDataSource, runMigrations, revertMigrations, tenantTableSecuritySql, UnitOfWork, isRlsViolation } from '../src/index';
import { type DataSource } from 'typeorm';

const schema = uniqueName('uow').replace(/-/g, '_');

class CreateNotes1700000000000 implements MigrationInterface {
  name = 'CreateNotes1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${schema}.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id uuid NOT NULL, body text NOT NULL)`);
    for (const s of tenantTableSecuritySql(schema, 'notes', { systemAccess: ['SELECT'] })) await q.query(s);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schema}.notes`);
  }
}

describe('UnitOfWork with row-level security (real PostgreSQL, app role)', () => {
  let ds: DataSource;
  let uow: UnitOfWork;
  const tenantA = randomUUID();
  const tenantB = randomUUID();

  beforeAll(async () => {
    const applied = await runMigrations({ ownerUrl: testEnvironment.pgOwnerUrl(), schema, migrations: [CreateNotes1700000000000] });
    expect(applied).toEqual(['CreateNotes1700000000000']);
    ds = createDataSource({ url: testEnvironment.pgAppUrl(), schema, applicationName: 'uow-test' });
    await ds.initialize();
    uow = new UnitOfWork(ds);
    await uow.inTenant(tenantA, (tx) => tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, 'a1'), ($1, 'a2')`, [tx.tenantId]));
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('connects as a role that is neither superuser nor BYPASSRLS, and the table is FORCEd', async () => {
    const [role] = await ds.query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const [table] = await ds.query(`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = '${schema}.notes'::regclass`);
    expect(table).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('shows a tenant its own rows only', async () => {
    const own = await uow.inTenant(tenantA, (tx) => tx.manager.query(`SELECT body FROM ${schema}.notes ORDER BY body`));
    expect(own.map((r: { body: string }) => r.body)).toEqual(['a1', 'a2']);
    const other = await uow.inTenant(tenantB, (tx) => tx.manager.query(`SELECT body FROM ${schema}.notes`));
    expect(other).toEqual([]);
  });

  it('fails closed when no tenant is set', async () => {
    expect(await ds.query(`SELECT * FROM ${schema}.notes`)).toEqual([]);
  });

  it("refuses to write a row for another tenant and cannot change another tenant's rows", async () => {
    const write = uow.inTenant(tenantB, (tx) => tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, 'x')`, [tenantA]));
    const error = await write.then(() => null, (e: unknown) => e);
    expect(isRlsViolation(error)).toBe(true);
    const updated = await uow.inTenant(tenantB, (tx) => tx.manager.query(`UPDATE ${schema}.notes SET body = 'hacked'`));
    expect(updated[1]).toBe(0);
  });

  it('does not leak the tenant setting to the next transaction on a pooled connection', async () => {
    await uow.inTenant(tenantA, async () => undefined);
    const [row] = await ds.query(`SELECT current_setting('app.tenant_id', true) AS t`);
    expect(row.t === null || row.t === '').toBe(true);
  });

  it('lets the system role read across tenants only where a policy grants it', async () => {
    await uow.inTenant(tenantB, (tx) => tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, 'b1')`, [tx.tenantId]));
    const all = await uow.asSystem('test', (tx) => tx.manager.query(`SELECT count(*)::int AS n FROM ${schema}.notes`));
    expect(all[0].n).toBe(3);
    const write = uow.asSystem('test', (tx) => tx.manager.query(`UPDATE ${schema}.notes SET body = 'x'`));
    await expect(write).rejects.toThrow(/permission denied/);
  });

  it('rolls everything back when the work throws', async () => {
    const failing = uow.inTenant(tenantA, async (tx) => {
      await tx.manager.query(`INSERT INTO ${schema}.notes (tenant_id, body) VALUES ($1, 'lost')`, [tx.tenantId]);
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    const rows = await uow.inTenant(tenantA, (tx) => tx.manager.query(`SELECT 1 FROM ${schema}.notes WHERE body = 'lost'`));
    expect(rows).toEqual([]);
  });

  it('refuses a tenant id that is not a UUID before touching the database', async () => {
    await expect(uow.inTenant("x'; DROP TABLE notes; --", async () => 1)).rejects.toThrow(/not a UUID/);
  });

  it('reverts its migration with down', async () => {
    await revertMigrations({ ownerUrl: testEnvironment.pgOwnerUrl(), schema, migrations: [CreateNotes1700000000000], steps: 1 });
    await expect(ds.query(`SELECT 1 FROM ${schema}.notes`)).rejects.toThrow(/does not exist/);
  });
});
