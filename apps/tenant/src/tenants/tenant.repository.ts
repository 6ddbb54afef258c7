import { Injectable } from '@nestjs/common';
import { type SystemTransaction, type TenantTransaction } from '@parley/persistence';
import { TenantEntity } from './tenant.entity';

@Injectable()
export class TenantRepository {
  async insert(tx: TenantTransaction, tenant: Omit<TenantEntity, 'createdAt' | 'updatedAt'>): Promise<TenantEntity> {
    const repo = tx.manager.getRepository(TenantEntity);
    await repo.insert({ ...tenant });
    return repo.findOneByOrFail({ id: tenant.id });
  }

  /** The tenant of the transaction (row-level security makes any other id invisible). */
  async current(tx: TenantTransaction): Promise<TenantEntity | null> {
    return tx.manager.getRepository(TenantEntity).findOneBy({ id: tx.tenantId });
  }

  /** Locks the tenant row for the rest of the transaction: serializes seat changes of one tenant. */
  async lockCurrent(tx: TenantTransaction): Promise<TenantEntity | null> {
    return tx.manager.getRepository(TenantEntity).createQueryBuilder('t').setLock('pessimistic_write').where('t.id = :id', { id: tx.tenantId }).getOne();
  }

  async update(tx: TenantTransaction, changes: Partial<Pick<TenantEntity, 'companyName' | 'locale'>>): Promise<TenantEntity | null> {
    await tx.manager.getRepository(TenantEntity).update({ id: tx.tenantId }, changes);
    return this.current(tx);
  }

  /** Sign-in resolves the slug before any tenant is known: a system read of one column. */
  async findIdBySlug(tx: SystemTransaction, slug: string): Promise<{ id: string; slug: string } | null> {
    const rows: { id: string; slug: string }[] = await tx.manager.query(`SELECT id, slug FROM tenant.tenants WHERE slug = $1`, [slug]);
    return rows[0] ?? null;
  }
}
