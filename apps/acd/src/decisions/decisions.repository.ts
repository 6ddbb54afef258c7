import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';
import { type DecisionInputs, type DecisionOutcome, type RoutingDecision } from '../routing/routing-decision.ranking';

export interface StoredDecision {
  decisionId: string;
  callId: string;
  queueId: string;
  queueVersion: number;
  kind: 'agent-for-call' | 'call-for-agent';
  trigger: string;
  agentIds: string[];
  decidedAt: number;
  inputs: DecisionInputs;
  outcome: DecisionOutcome;
}

interface DecisionRow {
  decision_id: string;
  call_id: string;
  queue_id: string;
  queue_version: number;
  kind: 'agent-for-call' | 'call-for-agent';
  trigger: string;
  agent_ids: string[];
  decided_at: Date;
  inputs: DecisionInputs;
  outcome: DecisionOutcome;
}

const toStored = (r: DecisionRow): StoredDecision => ({
  decisionId: r.decision_id,
  callId: r.call_id,
  queueId: r.queue_id,
  queueVersion: r.queue_version,
  kind: r.kind,
  trigger: r.trigger,
  agentIds: r.agent_ids,
  decidedAt: r.decided_at.getTime(),
  inputs: r.inputs,
  outcome: r.outcome,
});

const SELECT = 'SELECT decision_id, call_id, queue_id, queue_version, kind, trigger, agent_ids, decided_at, inputs, outcome FROM acd.decisions';

/** Routing decisions (acd.decisions) with their full inputs and outcome: explained and replayed by callId. */
@Injectable()
export class DecisionsRepository {
  async insert(tx: TenantTransaction, decisions: readonly RoutingDecision[]): Promise<void> {
    for (let start = 0; start < decisions.length; start += 500) {
      const params: unknown[] = [];
      const rows = decisions.slice(start, start + 500).map((d) => {
        const b = params.length;
        params.push(tx.tenantId, d.decisionId, d.callId, d.queueId, d.queueVersion, d.inputs.kind, d.inputs.trigger, JSON.stringify(d.agentIds), new Date(d.at), JSON.stringify(d.inputs), JSON.stringify(d.outcome));
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}::jsonb, $${b + 9}, $${b + 10}::jsonb, $${b + 11}::jsonb)`;
      });
      await tx.manager.query(
        `INSERT INTO acd.decisions (tenant_id, decision_id, call_id, queue_id, queue_version, kind, trigger, agent_ids, decided_at, inputs, outcome)
         VALUES ${rows.join(', ')} ON CONFLICT (tenant_id, decision_id) DO NOTHING`,
        params,
      );
    }
  }

  async forCall(tx: TenantTransaction, callId: string): Promise<StoredDecision[]> {
    const rows: DecisionRow[] = await tx.manager.query(`${SELECT} WHERE call_id = $1 ORDER BY decided_at, decision_id`, [callId]);
    return rows.map(toStored);
  }

  async find(tx: TenantTransaction, decisionId: string): Promise<StoredDecision | null> {
    const rows: DecisionRow[] = await tx.manager.query(`${SELECT} WHERE decision_id = $1`, [decisionId]);
    return rows[0] ? toStored(rows[0]) : null;
  }
}
