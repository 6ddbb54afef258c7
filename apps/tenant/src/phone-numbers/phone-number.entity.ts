import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'tenant', name: 'phone_numbers' })
export class PhoneNumberEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') e164!: string;
  @Column('text', { nullable: true }) label!: string | null;
  @Column('timestamptz', { name: 'assigned_at' }) assignedAt!: Date;
  @Column('timestamptz', { name: 'released_at', nullable: true }) releasedAt!: Date | null;
}
