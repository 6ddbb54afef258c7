import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';
import { UserEntity } from './user.entity';

export interface UserWithSeat extends UserEntity {
  hasSeat: boolean;
}

@Injectable()
export class UserRepository {
  async insert(tx: TenantTransaction, user: Omit<UserEntity, 'tenantId' | 'createdAt' | 'updatedAt' | 'failedLogins' | 'lockedUntil' | 'deactivatedAt' | 'active'>): Promise<UserEntity> {
    const repo = tx.manager.getRepository(UserEntity);
    await repo.insert({ ...user, tenantId: tx.tenantId, active: true, failedLogins: 0, lockedUntil: null, deactivatedAt: null });
    return repo.findOneByOrFail({ id: user.id });
  }

  async findById(tx: TenantTransaction, id: string, lock = false): Promise<UserEntity | null> {
    const qb = tx.manager.getRepository(UserEntity).createQueryBuilder('u').where('u.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  async findByEmail(tx: TenantTransaction, email: string): Promise<UserEntity | null> {
    return tx.manager.getRepository(UserEntity).findOneBy({ email });
  }

  async list(tx: TenantTransaction): Promise<UserWithSeat[]> {
    const users = await tx.manager.getRepository(UserEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const seats: { user_id: string }[] = await tx.manager.query('SELECT user_id FROM tenant.seats');
    const holders = new Set(seats.map((s) => s.user_id));
    return users.map((u) => Object.assign(u, { hasSeat: holders.has(u.id) }));
  }

  /** Active users holding a seat, by name: the people a call can be handed to. */
  async listSeatedActive(tx: TenantTransaction): Promise<Pick<UserEntity, 'id' | 'name' | 'role'>[]> {
    return tx.manager.query(
      `SELECT u.id, u.name, u.role FROM tenant.users u JOIN tenant.seats s ON s.user_id = u.id
       WHERE u.active ORDER BY u.name, u.id`,
    );
  }

  async save(tx: TenantTransaction, user: UserEntity): Promise<UserEntity> {
    return tx.manager.getRepository(UserEntity).save(user);
  }

  async recordLoginFailure(tx: TenantTransaction, id: string, lockedUntil: Date | null): Promise<void> {
    await tx.manager.query('UPDATE tenant.users SET failed_logins = failed_logins + 1, locked_until = COALESCE($2, locked_until) WHERE id = $1', [id, lockedUntil]);
  }

  async recordLoginSuccess(tx: TenantTransaction, id: string): Promise<void> {
    await tx.manager.query('UPDATE tenant.users SET failed_logins = 0, locked_until = NULL WHERE id = $1 AND failed_logins > 0', [id]);
  }
}
