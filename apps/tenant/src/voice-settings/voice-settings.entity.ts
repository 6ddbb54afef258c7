import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { type Locale } from '@parley/contracts';

/** A tenant's voice emergency settings: one row per tenant that ever set them. */
@Entity({ schema: 'tenant', name: 'voice_settings' })
export class VoiceSettingsEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId!: string;
  /** Grows by one with every change; the events carry it so projections keep the newest state. */
  @Column('integer') revision!: number;
  @Column('text', { name: 'backup_number', nullable: true }) backupNumber!: string | null;
  @Column('text', { name: 'fallback_prompt_text', nullable: true }) fallbackPromptText!: string | null;
  @Column('text', { name: 'fallback_prompt_locale', nullable: true }) fallbackPromptLocale!: Locale | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
