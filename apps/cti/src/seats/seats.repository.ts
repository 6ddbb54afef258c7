import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';

/**
 * The seat projection (cti.seats) — who may work as an agent — and the queues each agent took
 * offers from (cti.agent_queues), which decide whose queue statistics an agent sees.
 */
@Injectable()
export class SeatsRepository {
  /** Returns whether anything changed. */
  async setSeat(tx: TenantTransaction, userId: string, hasSeat: boolean): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(
      `INSERT INTO cti.seats (tenant_id, user_id, has_seat) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET has_seat = EXCLUDED.has_seat, updated_at = now() WHERE cti.seats.has_seat <> EXCLUDED.has_seat
       RETURNING user_id`,
      [tx.tenantId, userId, hasSeat],
    );
    return rows.length > 0;
  }

  async hasSeat(tx: TenantTransaction, userId: string): Promise<boolean> {
    const rows: { has_seat: boolean }[] = await tx.manager.query(`SELECT has_seat FROM cti.seats WHERE user_id = $1`, [userId]);
    return rows[0]?.has_seat === true;
  }

  async noteOffer(tx: TenantTransaction, agentIds: readonly string[], queueId: string, at: Date): Promise<void> {
    if (agentIds.length === 0) return;
    await tx.manager.query(
      `INSERT INTO cti.agent_queues (tenant_id, agent_id, queue_id, last_offered_at) SELECT $1, a, $2, $3 FROM unnest($4::uuid[]) AS a
       ON CONFLICT (tenant_id, agent_id, queue_id) DO UPDATE SET last_offered_at = greatest(cti.agent_queues.last_offered_at, EXCLUDED.last_offered_at)`,
      [tx.tenantId, queueId, at, agentIds],
    );
  }

  async agentsOfQueue(tx: TenantTransaction, queueId: string): Promise<string[]> {
    const rows: { agent_id: string }[] = await tx.manager.query(`SELECT agent_id FROM cti.agent_queues WHERE queue_id = $1`, [queueId]);
    return rows.map((r) => r.agent_id);
  }
}
