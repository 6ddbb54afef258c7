import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { tenantTableSecuritySql } from '@parley/persistence';

const S = 'cti';

/**
 * The agents each call was connected to, one row per agent: a call transferred from one agent to
 * another (or to a queue and on to the next agent) is wrapped up by each agent who had it, once.
 * Existing calls get a row for the agent they name.
 */
export class CtiCallAgents1764700000002 implements MigrationInterface {
  name = 'CtiCallAgents1764700000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${S}.call_agents (
        tenant_id uuid NOT NULL,
        call_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        joined_at timestamptz NOT NULL,
        left_at timestamptz,
        wrapped_up_at timestamptz,
        PRIMARY KEY (tenant_id, call_id, agent_id)
      )`);
    await q.query(`CREATE INDEX call_agents_agent_idx ON ${S}.call_agents (tenant_id, agent_id, joined_at)`);
    await q.query(`
      INSERT INTO ${S}.call_agents (tenant_id, call_id, agent_id, joined_at, left_at, wrapped_up_at)
      SELECT tenant_id, call_id, agent_id, coalesce(connected_at, created_at), ended_at, wrapped_up_at FROM ${S}.calls WHERE agent_id IS NOT NULL`);
    for (const sql of tenantTableSecuritySql(S, 'call_agents')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${S}.call_agents`);
  }
}
