import { type DataSource, type EntityManager } from 'typeorm';
import { SYSTEM_ROLE, TENANT_SETTING } from './roles';
import { asTenantId, type TenantId } from './tenant-id';

/** A transaction in which row-level security sees exactly one tenant. */
export interface TenantTransaction {
  readonly kind: 'tenant';
  readonly tenantId: TenantId;
  readonly manager: EntityManager;
}

/**
 * A transaction running as `parley_system`: it sees across tenants only where a table grants the
 * system role a policy. Use it for infrastructure work (outbox relay, tenant lookup by slug), never
 * for answering a user's request about their data.
 */
export interface SystemTransaction {
  readonly kind: 'system';
  readonly purpose: string;
  readonly manager: EntityManager;
}

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export class UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction with `SET LOCAL app.tenant_id`; commits if it resolves, rolls back if it throws. */
  async inTenant<T>(tenantId: string, work: (tx: TenantTransaction) => Promise<T>, isolation: IsolationLevel = 'READ COMMITTED'): Promise<T> {
    const checked = asTenantId(tenantId);
    return this.dataSource.transaction(isolation, async (manager) => {
      await manager.query(`SELECT set_config('${TENANT_SETTING}', $1, true)`, [checked]);
      return work({ kind: 'tenant', tenantId: checked, manager });
    });
  }

  /** Runs `work` in one transaction as the system role (no tenant set). `purpose` names the job in logs and errors. */
  asSystem<T>(purpose: string, work: (tx: SystemTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      await manager.query(`SET LOCAL ROLE ${SYSTEM_ROLE}`);
      return work({ kind: 'system', purpose, manager });
    });
  }

  /** Whether the database answers (readiness). */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}

export type { TenantId };
