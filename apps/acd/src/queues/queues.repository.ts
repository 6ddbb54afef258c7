import { Injectable } from '@nestjs/common';
import { type TenantTransaction } from '@parley/persistence';
import { type QueueConfig, queueConfigSchema } from '../routing/routing-config.schema';

export interface QueueRecord {
  queueId: string;
  version: number;
  config: QueueConfig;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface QueueVersionRecord {
  queueId: string;
  version: number;
  config: QueueConfig;
  createdAt: Date;
  createdBy: string | null;
}

interface QueueRow {
  queue_id: string;
  version: number;
  config: unknown;
  created_at: Date;
  updated_at: Date;
  updated_by: string | null;
}

const toRecord = (r: QueueRow): QueueRecord => ({
  queueId: r.queue_id,
  version: r.version,
  config: queueConfigSchema.parse(r.config),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

const SELECT = 'SELECT queue_id, version, config, created_at, updated_at, updated_by FROM acd.queues';

/**
 * Queues (acd.queues: the current configuration) and every version of their configuration
 * (acd.queue_versions, insert-only): a decision names the version it used.
 */
@Injectable()
export class QueuesRepository {
  async list(tx: TenantTransaction): Promise<QueueRecord[]> {
    const rows: QueueRow[] = await tx.manager.query(`${SELECT} ORDER BY queue_id`);
    return rows.map(toRecord);
  }

  /** Whether the tenant has any queue (set the acd up at all). */
  async hasAny(tx: TenantTransaction): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query('SELECT 1 FROM acd.queues LIMIT 1');
    return rows.length > 0;
  }

  async find(tx: TenantTransaction, queueId: string): Promise<QueueRecord | null> {
    const rows: QueueRow[] = await tx.manager.query(`${SELECT} WHERE queue_id = $1`, [queueId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The queue, locked until the transaction ends (two updates of one queue take turns). */
  async findForUpdate(tx: TenantTransaction, queueId: string): Promise<QueueRecord | null> {
    const rows: QueueRow[] = await tx.manager.query(`${SELECT} WHERE queue_id = $1 FOR UPDATE`, [queueId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Creates the queue at version 1; false when the tenant already has one with this id. */
  async insert(tx: TenantTransaction, config: QueueConfig, actorId: string | null): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(
      `INSERT INTO acd.queues (tenant_id, queue_id, version, config, updated_by) VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (tenant_id, queue_id) DO NOTHING RETURNING queue_id`,
      [tx.tenantId, config.queueId, config.version, JSON.stringify(config), actorId],
    );
    if (rows.length === 0) return false;
    await this.insertVersion(tx, config, actorId);
    return true;
  }

  async update(tx: TenantTransaction, config: QueueConfig, actorId: string | null): Promise<void> {
    await tx.manager.query('UPDATE acd.queues SET version = $2, config = $3::jsonb, updated_by = $4, updated_at = now() WHERE queue_id = $1', [
      config.queueId,
      config.version,
      JSON.stringify(config),
      actorId,
    ]);
    await this.insertVersion(tx, config, actorId);
  }

  async findVersion(tx: TenantTransaction, queueId: string, version: number): Promise<QueueVersionRecord | null> {
    const rows: { queue_id: string; version: number; config: unknown; created_at: Date; created_by: string | null }[] = await tx.manager.query(
      'SELECT queue_id, version, config, created_at, created_by FROM acd.queue_versions WHERE queue_id = $1 AND version = $2',
      [queueId, version],
    );
    const r = rows[0];
    return r ? { queueId: r.queue_id, version: r.version, config: queueConfigSchema.parse(r.config), createdAt: r.created_at, createdBy: r.created_by } : null;
  }

  async listVersions(tx: TenantTransaction, queueId: string): Promise<{ version: number; createdAt: Date; createdBy: string | null }[]> {
    const rows: { version: number; created_at: Date; created_by: string | null }[] = await tx.manager.query(
      'SELECT version, created_at, created_by FROM acd.queue_versions WHERE queue_id = $1 ORDER BY version',
      [queueId],
    );
    return rows.map((r) => ({ version: r.version, createdAt: r.created_at, createdBy: r.created_by }));
  }

  private async insertVersion(tx: TenantTransaction, config: QueueConfig, actorId: string | null): Promise<void> {
    await tx.manager.query('INSERT INTO acd.queue_versions (tenant_id, queue_id, version, config, created_by) VALUES ($1, $2, $3, $4::jsonb, $5)', [
      tx.tenantId,
      config.queueId,
      config.version,
      JSON.stringify(config),
      actorId,
    ]);
  }
}
