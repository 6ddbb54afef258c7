import { Injectable } from '@nestjs/common';
import { type SystemTransaction, type TenantTransaction } from '@parley/persistence';
import { type InputResult, inputResultSchema } from './routing-input';

/** The channel a new routing input is announced on; the payload is the tenant id. */
export const ROUTING_INPUTS_CHANNEL = 'acd_routing_inputs';

export interface PendingInput {
  seq: string;
  input: unknown;
  wantsReply: boolean;
}

/**
 * Inputs for the instance that runs a tenant's engine (acd.routing_inputs), written by the others
 * (and by configuration changes), taken in order. A row asking for a reply keeps its result until
 * the asker reads it.
 */
@Injectable()
export class RoutingInputsRepository {
  /** Queues the input and notifies (at commit) the instances listening; returns its sequence number. */
  async add(tx: TenantTransaction, input: unknown, wantsReply: boolean): Promise<string> {
    const rows: { seq: string }[] = await tx.manager.query('INSERT INTO acd.routing_inputs (tenant_id, input, wants_reply) VALUES ($1, $2::jsonb, $3) RETURNING seq', [
      tx.tenantId,
      JSON.stringify(input),
      wantsReply,
    ]);
    await tx.manager.query('SELECT pg_notify($1, $2)', [ROUTING_INPUTS_CHANNEL, tx.tenantId]);
    return (rows[0] as { seq: string }).seq;
  }

  async pending(tx: TenantTransaction, limit: number): Promise<PendingInput[]> {
    const rows: { seq: string; input: unknown; wants_reply: boolean }[] = await tx.manager.query(
      'SELECT seq, input, wants_reply FROM acd.routing_inputs WHERE done_at IS NULL ORDER BY seq LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ seq: r.seq, input: r.input, wantsReply: r.wants_reply }));
  }

  /** The input was applied: its reply is kept for the asker, or the row goes. */
  async complete(tx: TenantTransaction, seq: string, wantsReply: boolean, result: InputResult): Promise<void> {
    if (wantsReply) await tx.manager.query('UPDATE acd.routing_inputs SET result = $2::jsonb, done_at = now() WHERE seq = $1', [seq, JSON.stringify(result)]);
    else await tx.manager.query('DELETE FROM acd.routing_inputs WHERE seq = $1', [seq]);
  }

  /** The reply, once the input was applied (and the row removed), or null while it waits. */
  async takeResult(tx: TenantTransaction, seq: string): Promise<InputResult | null> {
    const rows: { result: unknown; done_at: Date | null }[] = await tx.manager.query('SELECT result, done_at FROM acd.routing_inputs WHERE seq = $1', [seq]);
    const row = rows[0];
    if (!row) throw new Error(`routing input ${seq} is gone before its reply was read`);
    if (row.done_at === null) return null;
    await tx.manager.query('DELETE FROM acd.routing_inputs WHERE seq = $1', [seq]);
    return inputResultSchema.parse(row.result);
  }

  /** Gives up waiting for a reply: the input is withdrawn if it was not applied yet. True when withdrawn. */
  async withdraw(tx: TenantTransaction, seq: string): Promise<boolean> {
    const [, deleted] = (await tx.manager.query('DELETE FROM acd.routing_inputs WHERE seq = $1 AND done_at IS NULL', [seq])) as [unknown, number];
    return deleted === 1;
  }

  /** Tenants with inputs waiting, and whether those are only configuration changes. */
  async tenantsWithPending(tx: SystemTransaction): Promise<{ tenantId: string; configOnly: boolean }[]> {
    const rows: { tenant_id: string; config_only: boolean }[] = await tx.manager.query(
      `SELECT tenant_id, bool_and(input->>'kind' = 'config') AS config_only FROM acd.routing_inputs WHERE done_at IS NULL GROUP BY tenant_id`,
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, configOnly: r.config_only }));
  }

  /** Drops a tenant's waiting configuration inputs (no engine runs it: the next one loads the configuration itself). */
  async dropConfigInputs(tx: SystemTransaction, tenantId: string): Promise<number> {
    const [, deleted] = (await tx.manager.query(`DELETE FROM acd.routing_inputs WHERE tenant_id = $1 AND done_at IS NULL AND input->>'kind' = 'config'`, [tenantId])) as [unknown, number];
    return deleted;
  }

  /** Replies nobody came for (the asker gave up or died). */
  async pruneAnswered(tx: SystemTransaction, olderThanSeconds: number): Promise<number> {
    const [, deleted] = (await tx.manager.query('DELETE FROM acd.routing_inputs WHERE done_at < now() - make_interval(secs => $1)', [olderThanSeconds])) as [unknown, number];
    return deleted;
  }
}
