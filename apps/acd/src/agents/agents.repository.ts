import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type TenantTransaction } from '@parley/persistence';

export interface AgentSkill {
  skillId: string;
  proficiency: number;
}

export interface AgentRecord {
  agentId: string;
  version: number;
  hasSeat: boolean;
  skills: AgentSkill[];
  queueIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

interface AgentRow {
  agent_id: string;
  version: number;
  has_seat: boolean;
  skills: unknown;
  queue_ids: unknown;
  created_at: Date;
  updated_at: Date;
}

const skillsSchema = z.array(z.object({ skillId: z.string(), proficiency: z.number().int() }));
const queueIdsSchema = z.array(z.string());

const toRecord = (r: AgentRow): AgentRecord => ({
  agentId: r.agent_id,
  version: r.version,
  hasSeat: r.has_seat,
  skills: skillsSchema.parse(r.skills),
  queueIds: queueIdsSchema.parse(r.queue_ids),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SELECT = 'SELECT agent_id, version, has_seat, skills, queue_ids, created_at, updated_at FROM acd.agents';

export interface AgentStateChange {
  agentId: string;
  from: string;
  to: string;
  reason: string | null;
  callId: string | null;
  by: string;
  at: number;
}

/**
 * Agent profiles (acd.agents): a row per user the tenant service gave a seat (the projection of its
 * seat events), with the skills and queue memberships owners and admins set; every change is a new
 * version. And the history of agents' states.
 */
@Injectable()
export class AgentsRepository {
  async list(tx: TenantTransaction): Promise<AgentRecord[]> {
    const rows: AgentRow[] = await tx.manager.query(`${SELECT} ORDER BY agent_id`);
    return rows.map(toRecord);
  }

  async find(tx: TenantTransaction, agentId: string): Promise<AgentRecord | null> {
    const rows: AgentRow[] = await tx.manager.query(`${SELECT} WHERE agent_id = $1`, [agentId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findForUpdate(tx: TenantTransaction, agentId: string): Promise<AgentRecord | null> {
    const rows: AgentRow[] = await tx.manager.query(`${SELECT} WHERE agent_id = $1 FOR UPDATE`, [agentId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Projects a seat change: creates the agent (no skills, no queues) or flips its seat; a change is a new version. Returns the record, or null when nothing changed. */
  async setSeat(tx: TenantTransaction, agentId: string, hasSeat: boolean): Promise<AgentRecord | null> {
    const rows: AgentRow[] = await tx.manager.query(
      `INSERT INTO acd.agents (tenant_id, agent_id, version, has_seat) VALUES ($1, $2, 1, $3)
       ON CONFLICT (tenant_id, agent_id) DO UPDATE SET has_seat = EXCLUDED.has_seat, version = acd.agents.version + 1, updated_at = now()
         WHERE acd.agents.has_seat IS DISTINCT FROM EXCLUDED.has_seat
       RETURNING agent_id, version, has_seat, skills, queue_ids, created_at, updated_at`,
      [tx.tenantId, agentId, hasSeat],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async updateProfile(tx: TenantTransaction, agentId: string, change: { skills?: AgentSkill[]; queueIds?: string[] }, actorId: string | null): Promise<AgentRecord> {
    // TypeORM answers an UPDATE with [rows, count].
    const [rows] = (await tx.manager.query(
      `UPDATE acd.agents SET skills = COALESCE($2::jsonb, skills), queue_ids = COALESCE($3::jsonb, queue_ids), version = version + 1, updated_by = $4, updated_at = now()
       WHERE agent_id = $1 RETURNING agent_id, version, has_seat, skills, queue_ids, created_at, updated_at`,
      [agentId, change.skills ? JSON.stringify(change.skills) : null, change.queueIds ? JSON.stringify(change.queueIds) : null, actorId],
    )) as [AgentRow[], number];
    if (!rows[0]) throw new Error(`agent ${agentId} vanished during its update`);
    return toRecord(rows[0]);
  }

  async insertHistory(tx: TenantTransaction, changes: readonly AgentStateChange[]): Promise<void> {
    if (changes.length === 0) return;
    const params: unknown[] = [];
    const rows = changes.map((c, i) => {
      params.push(tx.tenantId, c.agentId, c.from, c.to, c.reason, c.callId, c.by, new Date(c.at));
      const b = i * 8;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`;
    });
    await tx.manager.query(`INSERT INTO acd.agent_state_history (tenant_id, agent_id, from_state, to_state, reason, call_id, changed_by, at) VALUES ${rows.join(', ')}`, params);
  }

  async history(tx: TenantTransaction, agentId: string, limit: number): Promise<AgentStateChange[]> {
    const rows: { agent_id: string; from_state: string; to_state: string; reason: string | null; call_id: string | null; changed_by: string; at: Date }[] = await tx.manager.query(
      'SELECT agent_id, from_state, to_state, reason, call_id, changed_by, at FROM acd.agent_state_history WHERE agent_id = $1 ORDER BY at DESC, id DESC LIMIT $2',
      [agentId, limit],
    );
    return rows.map((r) => ({ agentId: r.agent_id, from: r.from_state, to: r.to_state, reason: r.reason, callId: r.call_id, by: r.changed_by, at: r.at.getTime() }));
  }
}
