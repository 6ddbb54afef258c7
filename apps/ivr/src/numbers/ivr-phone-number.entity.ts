import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The tenant service's phone numbers as the ivr service knows them (from tenant.phone-number.* events). */
@Entity({ schema: 'ivr', name: 'phone_numbers' })
export class IvrPhoneNumberEntity {
  @PrimaryColumn('uuid', { name: 'number_id' }) numberId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') e164!: string;
  /** Null while only the release is known (the two events travel on different topics). */
  @Column('timestamptz', { name: 'assigned_at', nullable: true }) assignedAt!: Date | null;
  @Column('timestamptz', { name: 'released_at', nullable: true }) releasedAt!: Date | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
