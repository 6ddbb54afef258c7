import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { type SystemTransaction, type TenantTransaction } from '@parley/persistence';
import { RefreshTokenEntity } from './refresh-token.entity';

@Injectable()
export class RefreshTokenRepository {
  /** A refresh request carries no tenant: find which tenant the token id belongs to (system read). */
  async findTenantOf(tx: SystemTransaction, tokenId: string): Promise<string | null> {
    const rows: { tenant_id: string }[] = await tx.manager.query('SELECT tenant_id FROM tenant.refresh_tokens WHERE token_id = $1', [tokenId]);
    return rows[0]?.tenant_id ?? null;
  }

  async insert(tx: TenantTransaction, token: Pick<RefreshTokenEntity, 'tokenId' | 'userId' | 'sessionId' | 'secretHash' | 'expiresAt'>): Promise<void> {
    await tx.manager.getRepository(RefreshTokenEntity).insert({ ...token, tenantId: tx.tenantId, rotatedAt: null, revokedAt: null, revokedReason: null });
  }

  async findForUpdate(tx: TenantTransaction, tokenId: string): Promise<RefreshTokenEntity | null> {
    return tx.manager.getRepository(RefreshTokenEntity).createQueryBuilder('r').setLock('pessimistic_write').where('r.tokenId = :tokenId', { tokenId }).getOne();
  }

  async markRotated(tx: TenantTransaction, tokenId: string, at: Date): Promise<void> {
    await tx.manager.getRepository(RefreshTokenEntity).update({ tokenId }, { rotatedAt: at });
  }

  async revokeSession(tx: TenantTransaction, sessionId: string, reason: string, at: Date): Promise<number> {
    const result = await tx.manager.getRepository(RefreshTokenEntity).update({ sessionId, revokedAt: IsNull() }, { revokedAt: at, revokedReason: reason });
    return result.affected ?? 0;
  }

  async revokeAllOfUser(tx: TenantTransaction, userId: string, reason: string, at: Date): Promise<number> {
    const result = await tx.manager.getRepository(RefreshTokenEntity).update({ userId, revokedAt: IsNull() }, { revokedAt: at, revokedReason: reason });
    return result.affected ?? 0;
  }
}
