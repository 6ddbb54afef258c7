import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { type TenantTransaction } from '@parley/persistence';
import { PhoneNumberEntity } from './phone-number.entity';

@Injectable()
export class PhoneNumberRepository {
  async insert(tx: TenantTransaction, number: Pick<PhoneNumberEntity, 'id' | 'e164' | 'label' | 'assignedAt'>): Promise<PhoneNumberEntity> {
    const repo = tx.manager.getRepository(PhoneNumberEntity);
    await repo.insert({ ...number, tenantId: tx.tenantId, releasedAt: null });
    return repo.findOneByOrFail({ id: number.id });
  }

  async listActive(tx: TenantTransaction): Promise<PhoneNumberEntity[]> {
    return tx.manager.getRepository(PhoneNumberEntity).find({ where: { releasedAt: IsNull() }, order: { e164: 'ASC' } });
  }

  /** The tenant's active number with this E.164 form, if it has one. */
  async findActiveByE164(tx: TenantTransaction, e164: string): Promise<PhoneNumberEntity | null> {
    return tx.manager.getRepository(PhoneNumberEntity).findOneBy({ e164, releasedAt: IsNull() });
  }

  async findActive(tx: TenantTransaction, id: string): Promise<PhoneNumberEntity | null> {
    return tx.manager.getRepository(PhoneNumberEntity).findOneBy({ id, releasedAt: IsNull() });
  }

  async release(tx: TenantTransaction, id: string, at: Date): Promise<void> {
    await tx.manager.getRepository(PhoneNumberEntity).update({ id }, { releasedAt: at });
  }
}
