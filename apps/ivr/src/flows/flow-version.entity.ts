import { Column, Entity, PrimaryColumn } from 'typeorm';
import { type FlowDocument, type FlowWarning } from '@parley/contracts';

/** A published flow version: immutable (the database refuses updates and deletes). */
@Entity({ schema: 'ivr', name: 'flow_versions' })
export class FlowVersionEntity {
  @PrimaryColumn('uuid', { name: 'flow_id' }) flowId!: string;
  @PrimaryColumn('integer') version!: number;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('jsonb') document!: FlowDocument;
  @Column('jsonb') warnings!: FlowWarning[];
  @Column('integer', { name: 'draft_revision' }) draftRevision!: number;
  @Column('uuid', { name: 'published_by', nullable: true }) publishedBy!: string | null;
  @Column('timestamptz', { name: 'published_at' }) publishedAt!: Date;
}
