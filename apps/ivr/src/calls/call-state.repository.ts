import { Injectable } from '@nestjs/common';
import { type SystemTransaction, type TenantTransaction } from '@parley/persistence';
import { type ExecutorState } from '../flows/flow-executor.types';
import { CallStateEntity } from './call-state.entity';

/** Another step saved the call's state since this one read it. */
export class StaleCallStateError extends Error {
  constructor(
    readonly callId: string,
    readonly readVersion: number,
  ) {
    super(`call ${callId} changed since version ${readVersion} was read`);
    this.name = 'StaleCallStateError';
  }
}

export interface DueTimer {
  timerId: string;
  callId: string;
  tenantId: string;
}

/**
 * The state of calls in progress (one row per call, saved after every step with an optimistic
 * version) and their timers. Tenant methods run under row-level security; the scheduler's
 * cross-tenant reads run as the system role.
 */
@Injectable()
export class CallStateRepository {
  find(tx: TenantTransaction, callId: string): Promise<CallStateEntity | null> {
    return tx.manager.getRepository(CallStateEntity).findOneBy({ callId });
  }

  async exists(tx: TenantTransaction, callId: string): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query('SELECT 1 FROM ivr.calls WHERE call_id = $1', [callId]);
    return rows.length > 0;
  }

  async insert(tx: TenantTransaction, call: { callId: string; flowId: string; flowVersion: number; numberId: string | null; state: ExecutorState; startedAt: Date; at: Date }): Promise<void> {
    await tx.manager.getRepository(CallStateEntity).insert({
      callId: call.callId,
      tenantId: tx.tenantId,
      flowId: call.flowId,
      flowVersion: call.flowVersion,
      numberId: call.numberId,
      state: call.state,
      version: 1,
      startedAt: call.startedAt,
      updatedAt: call.at,
    });
  }

  /** Saves the state over `readVersion`; throws StaleCallStateError when another step saved first. */
  async update(tx: TenantTransaction, callId: string, readVersion: number, state: ExecutorState, at: Date): Promise<void> {
    const [, updated] = (await tx.manager.query('UPDATE ivr.calls SET state = $3::jsonb, version = version + 1, updated_at = $4 WHERE call_id = $1 AND version = $2', [
      callId,
      readVersion,
      JSON.stringify(state),
      at,
    ])) as [unknown, number];
    if (updated !== 1) throw new StaleCallStateError(callId, readVersion);
  }

  /** Deletes a finished call (its timers go with it); throws StaleCallStateError when another step saved first. */
  async delete(tx: TenantTransaction, callId: string, readVersion: number): Promise<void> {
    const [, deleted] = (await tx.manager.query('DELETE FROM ivr.calls WHERE call_id = $1 AND version = $2', [callId, readVersion])) as [unknown, number];
    if (deleted !== 1) throw new StaleCallStateError(callId, readVersion);
  }

  /** A timer due `delayMs` from now by the database's clock (the one the scheduler compares with). */
  async addTimer(tx: TenantTransaction, timer: { timerId: string; callId: string; delayMs: number }): Promise<void> {
    await tx.manager.query(
      `INSERT INTO ivr.call_timers (timer_id, call_id, tenant_id, due_at) VALUES ($1, $2, $3, clock_timestamp() + make_interval(secs => $4::double precision / 1000))`,
      [timer.timerId, timer.callId, tx.tenantId, timer.delayMs],
    );
  }

  async cancelTimer(tx: TenantTransaction, timerId: string): Promise<void> {
    await tx.manager.query('DELETE FROM ivr.call_timers WHERE timer_id = $1', [timerId]);
  }

  /** Takes a due timer for firing: true when this transaction removed it (false: cancelled or fired already). */
  async takeTimer(tx: TenantTransaction, timerId: string): Promise<boolean> {
    const [, deleted] = (await tx.manager.query('DELETE FROM ivr.call_timers WHERE timer_id = $1', [timerId])) as [unknown, number];
    return deleted === 1;
  }

  /** Timers due by the database's clock, oldest first (every tenant's: the system role). */
  async dueTimers(tx: SystemTransaction, limit: number): Promise<DueTimer[]> {
    const rows: { timer_id: string; call_id: string; tenant_id: string }[] = await tx.manager.query(
      'SELECT timer_id, call_id, tenant_id FROM ivr.call_timers WHERE due_at <= now() ORDER BY due_at LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ timerId: r.timer_id, callId: r.call_id, tenantId: r.tenant_id }));
  }

  /** Deletes call states nobody touched for `olderThanHours` (their calls are long over); returns how many. */
  async deleteAbandoned(tx: SystemTransaction, olderThanHours: number, limit: number): Promise<number> {
    const [, deleted] = (await tx.manager.query(
      `DELETE FROM ivr.calls WHERE call_id IN (SELECT call_id FROM ivr.calls WHERE updated_at < now() - make_interval(hours => $1) ORDER BY updated_at LIMIT $2)`,
      [olderThanHours, limit],
    )) as [unknown, number];
    return deleted;
  }
}
