import { Injectable } from '@nestjs/common';
import { type Locale } from '@parley/contracts';
import { type TenantTransaction } from '@parley/persistence';
import { VoiceSettingsEntity } from './voice-settings.entity';

export interface VoiceSettingsValues {
  backupNumber: string | null;
  fallbackPrompt: { text: string; locale: Locale } | null;
}

@Injectable()
export class VoiceSettingsRepository {
  /** The settings of the transaction's tenant; null while it never set them. */
  async current(tx: TenantTransaction): Promise<VoiceSettingsEntity | null> {
    return tx.manager.getRepository(VoiceSettingsEntity).findOneBy({ tenantId: tx.tenantId });
  }

  /**
   * Replaces the tenant's settings and bumps their revision. The upsert locks the row until the
   * transaction ends, so concurrent changes of one tenant get distinct, ordered revisions.
   */
  async replace(tx: TenantTransaction, values: VoiceSettingsValues, at: Date): Promise<VoiceSettingsEntity> {
    await tx.manager.query(
      `INSERT INTO tenant.voice_settings AS v (tenant_id, revision, backup_number, fallback_prompt_text, fallback_prompt_locale, updated_at)
       VALUES ($1, 1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id) DO UPDATE SET
         revision = v.revision + 1,
         backup_number = EXCLUDED.backup_number,
         fallback_prompt_text = EXCLUDED.fallback_prompt_text,
         fallback_prompt_locale = EXCLUDED.fallback_prompt_locale,
         updated_at = EXCLUDED.updated_at`,
      [tx.tenantId, values.backupNumber, values.fallbackPrompt?.text ?? null, values.fallbackPrompt?.locale ?? null, at],
    );
    return tx.manager.getRepository(VoiceSettingsEntity).findOneByOrFail({ tenantId: tx.tenantId });
  }
}
