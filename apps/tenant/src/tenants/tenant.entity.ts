import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { type Locale, type PlanId } from '@parley/contracts';

@Entity({ schema: 'tenant', name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') slug!: string;
  @Column('text', { name: 'company_name' }) companyName!: string;
  @Column('text') locale!: Locale;
  @Column('text') plan!: PlanId;
  @Column('integer', { name: 'seat_limit' }) seatLimit!: number;
  @Column('text', { name: 'sip_domain' }) sipDomain!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
