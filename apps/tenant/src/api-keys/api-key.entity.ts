import { Column, Entity, PrimaryColumn } from 'typeorm';
import { type Role } from '@parley/contracts';

@Entity({ schema: 'tenant', name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('text') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') name!: string;
  @Column('text') role!: Exclude<Role, 'owner'>;
  @Column('text', { name: 'secret_hash' }) secretHash!: string;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
