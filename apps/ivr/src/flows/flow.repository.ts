import { Injectable } from '@nestjs/common';
import { type FlowDocument, type FlowWarning } from '@parley/contracts';
import { type TenantTransaction } from '@parley/persistence';
import { FlowVersionEntity } from './flow-version.entity';
import { FlowEntity } from './flow.entity';

export interface NewFlow {
  id: string;
  name: string;
  draft: FlowDocument;
  createdBy: string | null;
  at: Date;
}

export interface NewFlowVersion {
  flowId: string;
  version: number;
  document: FlowDocument;
  warnings: FlowWarning[];
  draftRevision: number;
  publishedBy: string | null;
  at: Date;
}

export interface FlowVersionSummary {
  flowId: string;
  version: number;
  name: string;
  draftRevision: number;
  publishedBy: string | null;
  publishedAt: Date;
}

/** Flows and their published versions; every method runs in a tenant transaction (row-level security). */
@Injectable()
export class FlowRepository {
  async insert(tx: TenantTransaction, flow: NewFlow): Promise<FlowEntity> {
    const repo = tx.manager.getRepository(FlowEntity);
    await repo.insert({
      id: flow.id,
      tenantId: tx.tenantId,
      name: flow.name,
      draft: flow.draft,
      draftRevision: 1,
      createdBy: flow.createdBy,
      updatedBy: flow.createdBy,
      createdAt: flow.at,
      updatedAt: flow.at,
    });
    return repo.findOneByOrFail({ id: flow.id });
  }

  find(tx: TenantTransaction, id: string): Promise<FlowEntity | null> {
    return tx.manager.getRepository(FlowEntity).findOneBy({ id });
  }

  /** The flow, locked until the transaction ends (draft edits and publications of one flow take turns). */
  findForUpdate(tx: TenantTransaction, id: string): Promise<FlowEntity | null> {
    return tx.manager.getRepository(FlowEntity).createQueryBuilder('f').where('f.id = :id', { id }).setLock('pessimistic_write').getOne();
  }

  list(tx: TenantTransaction): Promise<FlowEntity[]> {
    return tx.manager.getRepository(FlowEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async saveDraft(tx: TenantTransaction, id: string, change: { name: string; draft: FlowDocument; draftRevision: number; updatedBy: string | null; at: Date }): Promise<FlowEntity> {
    const repo = tx.manager.getRepository(FlowEntity);
    await repo.update({ id }, { name: change.name, draft: change.draft, draftRevision: change.draftRevision, updatedBy: change.updatedBy, updatedAt: change.at });
    return repo.findOneByOrFail({ id });
  }

  /** The newest published version number of each flow that has one. */
  async latestVersions(tx: TenantTransaction, flowIds: readonly string[]): Promise<Map<string, number>> {
    if (flowIds.length === 0) return new Map();
    const rows: { flow_id: string; version: number }[] = await tx.manager.query(
      'SELECT flow_id, max(version)::int AS version FROM ivr.flow_versions WHERE flow_id = ANY($1::uuid[]) GROUP BY flow_id',
      [flowIds],
    );
    return new Map(rows.map((r) => [r.flow_id, r.version]));
  }

  async insertVersion(tx: TenantTransaction, version: NewFlowVersion): Promise<FlowVersionEntity> {
    const repo = tx.manager.getRepository(FlowVersionEntity);
    await repo.insert({
      flowId: version.flowId,
      version: version.version,
      tenantId: tx.tenantId,
      document: version.document,
      warnings: version.warnings,
      draftRevision: version.draftRevision,
      publishedBy: version.publishedBy,
      publishedAt: version.at,
    });
    return repo.findOneByOrFail({ flowId: version.flowId, version: version.version });
  }

  /** The flow's versions without their documents, oldest first. */
  async listVersions(tx: TenantTransaction, flowId: string): Promise<FlowVersionSummary[]> {
    const rows: { version: number; name: string; draft_revision: number; published_by: string | null; published_at: Date }[] = await tx.manager.query(
      `SELECT version, document->>'name' AS name, draft_revision, published_by, published_at FROM ivr.flow_versions WHERE flow_id = $1 ORDER BY version`,
      [flowId],
    );
    return rows.map((r) => ({ flowId, version: r.version, name: r.name, draftRevision: r.draft_revision, publishedBy: r.published_by, publishedAt: r.published_at }));
  }

  findVersion(tx: TenantTransaction, flowId: string, version: number): Promise<FlowVersionEntity | null> {
    return tx.manager.getRepository(FlowVersionEntity).findOneBy({ flowId, version });
  }

  /** The newest published version, or null before the first publication. */
  latestVersion(tx: TenantTransaction, flowId: string): Promise<FlowVersionEntity | null> {
    return tx.manager.getRepository(FlowVersionEntity).findOne({ where: { flowId }, order: { version: 'DESC' } });
  }
}
