import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';
import { type AgentDay, type QueueDay } from './live-statistics.calculator';

/** Today's statistics counters per queue and agent (acd.queue_daily, acd.agent_daily), saved so they survive a restart. */
@Injectable()
export class DailyStatsRepository {
  async saveQueueDays(tx: TenantTransaction, days: readonly { queueId: string; counters: QueueDay }[]): Promise<void> {
    const unique = [...new Map(days.map((d) => [`${d.queueId}/${d.counters.day}`, d])).values()];
    for (let start = 0; start < unique.length; start += 500) {
      const params: unknown[] = [];
      const rows = unique.slice(start, start + 500).map(({ queueId, counters: c }) => {
        const b = params.length;
        params.push(tx.tenantId, queueId, c.day, c.answered, c.answeredWithinThreshold, Math.round(c.totalWaitAnsweredMs), c.abandoned, c.abandonedWithinThreshold, c.overflowed, c.leftAfterThreshold);
        return `($${b + 1}, $${b + 2}, $${b + 3}::date, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10})`;
      });
      await tx.manager.query(
        `INSERT INTO acd.queue_daily (tenant_id, queue_id, day, answered, answered_within_threshold, total_wait_answered_ms, abandoned, abandoned_within_threshold, overflowed, left_after_threshold)
         VALUES ${rows.join(', ')}
         ON CONFLICT (tenant_id, queue_id, day) DO UPDATE SET answered = EXCLUDED.answered, answered_within_threshold = EXCLUDED.answered_within_threshold,
           total_wait_answered_ms = EXCLUDED.total_wait_answered_ms, abandoned = EXCLUDED.abandoned, abandoned_within_threshold = EXCLUDED.abandoned_within_threshold,
           overflowed = EXCLUDED.overflowed, left_after_threshold = EXCLUDED.left_after_threshold, updated_at = now()`,
        params,
      );
    }
  }

  async saveAgentDays(tx: TenantTransaction, days: readonly { agentId: string; counters: AgentDay }[]): Promise<void> {
    const unique = [...new Map(days.map((d) => [`${d.agentId}/${d.counters.day}`, d])).values()];
    for (let start = 0; start < unique.length; start += 1000) {
      const params: unknown[] = [];
      const rows = unique.slice(start, start + 1000).map(({ agentId, counters: c }) => {
        const b = params.length;
        params.push(tx.tenantId, agentId, c.day, c.callsHandled, Math.round(c.talkMs), Math.round(c.wrapUpMs));
        return `($${b + 1}, $${b + 2}, $${b + 3}::date, $${b + 4}, $${b + 5}, $${b + 6})`;
      });
      await tx.manager.query(
        `INSERT INTO acd.agent_daily (tenant_id, agent_id, day, calls_handled, talk_ms, wrap_up_ms) VALUES ${rows.join(', ')}
         ON CONFLICT (tenant_id, agent_id, day) DO UPDATE SET calls_handled = EXCLUDED.calls_handled, talk_ms = EXCLUDED.talk_ms, wrap_up_ms = EXCLUDED.wrap_up_ms, updated_at = now()`,
        params,
      );
    }
  }

  async queueDays(tx: TenantTransaction, day: string): Promise<{ queueId: string; counters: QueueDay }[]> {
    const rows: {
      queue_id: string;
      answered: number;
      answered_within_threshold: number;
      total_wait_answered_ms: string;
      abandoned: number;
      abandoned_within_threshold: number;
      overflowed: number;
      left_after_threshold: number;
    }[] = await tx.manager.query(
      'SELECT queue_id, answered, answered_within_threshold, total_wait_answered_ms, abandoned, abandoned_within_threshold, overflowed, left_after_threshold FROM acd.queue_daily WHERE day = $1::date',
      [day],
    );
    return rows.map((r) => ({
      queueId: r.queue_id,
      counters: {
        day,
        answered: r.answered,
        answeredWithinThreshold: r.answered_within_threshold,
        totalWaitAnsweredMs: Number(r.total_wait_answered_ms),
        abandoned: r.abandoned,
        abandonedWithinThreshold: r.abandoned_within_threshold,
        overflowed: r.overflowed,
        leftAfterThreshold: r.left_after_threshold,
      },
    }));
  }

  async agentDays(tx: TenantTransaction, day: string): Promise<{ agentId: string; counters: AgentDay }[]> {
    const rows: { agent_id: string; calls_handled: number; talk_ms: string; wrap_up_ms: string }[] = await tx.manager.query(
      'SELECT agent_id, calls_handled, talk_ms, wrap_up_ms FROM acd.agent_daily WHERE day = $1::date',
      [day],
    );
    return rows.map((r) => ({ agentId: r.agent_id, counters: { day, callsHandled: r.calls_handled, talkMs: Number(r.talk_ms), wrapUpMs: Number(r.wrap_up_ms) } }));
  }
}
