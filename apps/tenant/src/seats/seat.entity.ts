import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'tenant', name: 'seats' })
export class SeatEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId!: string;
  @Column('timestamptz', { name: 'assigned_at' }) assignedAt!: Date;
}
