import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';
import { SeatEntity } from './seat.entity';

@Injectable()
export class SeatRepository {
  async holds(tx: TenantTransaction, userId: string): Promise<boolean> {
    return (await tx.manager.getRepository(SeatEntity).countBy({ userId })) > 0;
  }

  async count(tx: TenantTransaction): Promise<number> {
    return tx.manager.getRepository(SeatEntity).count();
  }

  async list(tx: TenantTransaction): Promise<SeatEntity[]> {
    return tx.manager.getRepository(SeatEntity).find({ order: { assignedAt: 'ASC' } });
  }

  async insert(tx: TenantTransaction, userId: string, assignedAt: Date): Promise<void> {
    await tx.manager.getRepository(SeatEntity).insert({ tenantId: tx.tenantId, userId, assignedAt });
  }

  /** Returns whether a seat was held (and is now released). */
  async delete(tx: TenantTransaction, userId: string): Promise<boolean> {
    const result = await tx.manager.getRepository(SeatEntity).delete({ tenantId: tx.tenantId, userId });
    return (result.affected ?? 0) > 0;
  }
}
