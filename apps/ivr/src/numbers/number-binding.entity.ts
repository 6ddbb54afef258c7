import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Which flow answers a phone number: a pinned version, or the latest published one (pinnedVersion null). */
@Entity({ schema: 'ivr', name: 'number_bindings' })
export class NumberBindingEntity {
  @PrimaryColumn('uuid', { name: 'number_id' }) numberId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'flow_id' }) flowId!: string;
  @Column('integer', { name: 'pinned_version', nullable: true }) pinnedVersion!: number | null;
  @Column('uuid', { name: 'updated_by', nullable: true }) updatedBy!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
