import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { type SystemTransaction, type TenantTransaction } from '@parley/persistence';
import { ApiKeyEntity } from './api-key.entity';

export interface ApiKeyLookup {
  id: string;
  tenantId: string;
  role: ApiKeyEntity['role'];
  secretHash: string;
}

@Injectable()
export class ApiKeyRepository {
  async insert(tx: TenantTransaction, key: Pick<ApiKeyEntity, 'id' | 'name' | 'role' | 'secretHash' | 'createdBy' | 'createdAt'>): Promise<ApiKeyEntity> {
    const repo = tx.manager.getRepository(ApiKeyEntity);
    await repo.insert({ ...key, tenantId: tx.tenantId, lastUsedAt: null, revokedAt: null });
    return repo.findOneByOrFail({ id: key.id });
  }

  async list(tx: TenantTransaction): Promise<ApiKeyEntity[]> {
    return tx.manager.getRepository(ApiKeyEntity).find({ order: { createdAt: 'ASC' } });
  }

  async revoke(tx: TenantTransaction, id: string, at: Date): Promise<boolean> {
    const result = await tx.manager.getRepository(ApiKeyEntity).update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }

  /** Keys arrive without a tenant: find the live key by its public id (system read). */
  async findLive(tx: SystemTransaction, id: string): Promise<ApiKeyLookup | null> {
    const rows: { id: string; tenant_id: string; role: ApiKeyEntity['role']; secret_hash: string }[] = await tx.manager.query(
      'SELECT id, tenant_id, role, secret_hash FROM tenant.api_keys WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    const row = rows[0];
    return row ? { id: row.id, tenantId: row.tenant_id, role: row.role, secretHash: row.secret_hash } : null;
  }

  async touch(tx: TenantTransaction, id: string, at: Date): Promise<void> {
    await tx.manager.query(`UPDATE tenant.api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`, [id, at]);
  }
}
