import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';
import { IvrPhoneNumberEntity } from './ivr-phone-number.entity';
import { NumberBindingEntity } from './number-binding.entity';

/** The phone-number projection and the number bindings; every method runs in a tenant transaction. */
@Injectable()
export class NumberRepository {
  /** Records an assignment (idempotent; a release already known for the number stays). */
  async projectAssigned(tx: TenantTransaction, number: { numberId: string; e164: string; assignedAt: Date }): Promise<void> {
    await tx.manager.query(
      `INSERT INTO ivr.phone_numbers AS n (number_id, tenant_id, e164, assigned_at, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (number_id) DO UPDATE SET e164 = EXCLUDED.e164, assigned_at = COALESCE(n.assigned_at, EXCLUDED.assigned_at), updated_at = now()`,
      [number.numberId, tx.tenantId, number.e164, number.assignedAt],
    );
  }

  /** Records a release (also before the assignment is known) and drops the number's binding. Returns whether a binding was dropped. */
  async projectReleased(tx: TenantTransaction, number: { numberId: string; e164: string; releasedAt: Date }): Promise<boolean> {
    const [, dropped] = (await tx.manager.query('DELETE FROM ivr.number_bindings WHERE number_id = $1', [number.numberId])) as [unknown, number];
    await tx.manager.query(
      `INSERT INTO ivr.phone_numbers AS n (number_id, tenant_id, e164, released_at, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (number_id) DO UPDATE SET released_at = COALESCE(n.released_at, EXCLUDED.released_at), updated_at = now()`,
      [number.numberId, tx.tenantId, number.e164, number.releasedAt],
    );
    return dropped > 0;
  }

  /** The tenant's numbers that are assigned and not released, by E.164. */
  listActive(tx: TenantTransaction): Promise<IvrPhoneNumberEntity[]> {
    return tx.manager
      .getRepository(IvrPhoneNumberEntity)
      .createQueryBuilder('n')
      .where('n.assigned_at IS NOT NULL AND n.released_at IS NULL')
      .orderBy('n.e164', 'ASC')
      .addOrderBy('n.number_id', 'ASC')
      .getMany();
  }

  async findActive(tx: TenantTransaction, numberId: string): Promise<IvrPhoneNumberEntity | null> {
    const number = await tx.manager.getRepository(IvrPhoneNumberEntity).findOneBy({ numberId });
    return number !== null && number.assignedAt !== null && number.releasedAt === null ? number : null;
  }

  findBinding(tx: TenantTransaction, numberId: string): Promise<NumberBindingEntity | null> {
    return tx.manager.getRepository(NumberBindingEntity).findOneBy({ numberId });
  }

  listBindings(tx: TenantTransaction): Promise<NumberBindingEntity[]> {
    return tx.manager.getRepository(NumberBindingEntity).find();
  }

  async saveBinding(tx: TenantTransaction, binding: { numberId: string; flowId: string; pinnedVersion: number | null; updatedBy: string | null; at: Date }): Promise<NumberBindingEntity> {
    await tx.manager.query(
      `INSERT INTO ivr.number_bindings (number_id, tenant_id, flow_id, pinned_version, updated_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (number_id) DO UPDATE SET flow_id = EXCLUDED.flow_id, pinned_version = EXCLUDED.pinned_version, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [binding.numberId, tx.tenantId, binding.flowId, binding.pinnedVersion, binding.updatedBy, binding.at],
    );
    return tx.manager.getRepository(NumberBindingEntity).findOneByOrFail({ numberId: binding.numberId });
  }

  /** Returns whether there was a binding. */
  async deleteBinding(tx: TenantTransaction, numberId: string): Promise<boolean> {
    const [, deleted] = (await tx.manager.query('DELETE FROM ivr.number_bindings WHERE number_id = $1', [numberId])) as [unknown, number];
    return deleted > 0;
  }
}
