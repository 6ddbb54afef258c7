import { Column, Entity, PrimaryColumn } from 'typeorm';
import { type FlowDocument } from '@parley/contracts';

/** A tenant's flow: its name and the draft being edited (published versions are FlowVersionEntity). */
@Entity({ schema: 'ivr', name: 'flows' })
export class FlowEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') name!: string;
  @Column('jsonb') draft!: FlowDocument;
  @Column('integer', { name: 'draft_revision' }) draftRevision!: number;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('uuid', { name: 'updated_by', nullable: true }) updatedBy!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
