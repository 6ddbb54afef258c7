import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { voiceSettingsUpdatedV1, type UpdateVoiceSettingsRequest, type VoiceSettingsView } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { PhoneNumberRepository } from '../phone-numbers/phone-number.repository';
import { toE164 } from '../phone-numbers/phone-numbers.service';
import { recordEvent } from '../tenant-events';
import { type Clock, TENANT_CLOCK, TENANT_UNIT_OF_WORK } from '../tenant.tokens';
import { toVoiceSettingsView } from '../views';
import { VoiceSettingsRepository } from './voice-settings.repository';

/**
 * A tenant's voice emergency settings: what voice does with a new call that no service commands
 * (the IVR is down): the prompt it plays and the number it forwards the call to.
 */
@Injectable()
export class VoiceSettingsService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    private readonly settings: VoiceSettingsRepository,
    private readonly numbers: PhoneNumberRepository,
  ) {}

  get(tenantId: string): Promise<VoiceSettingsView> {
    return this.uow.inTenant(tenantId, async (tx) => toVoiceSettingsView(await this.settings.current(tx)));
  }

  /** Replaces the settings and records `tenant.voice-settings.updated.v1` in the same transaction. */
  async replace(tenantId: string, request: UpdateVoiceSettingsRequest): Promise<VoiceSettingsView> {
    const backupNumber = request.backupNumber === null ? null : toE164(request.backupNumber, 'backupNumber');
    return this.uow.inTenant(tenantId, async (tx) => {
      // A call forwarded to one of the tenant's own numbers comes straight back to the same
      // emergency path, and again: a loop through the carrier until someone hangs up.
      if (backupNumber !== null && (await this.numbers.findActiveByE164(tx, backupNumber))) {
        const reason = `is one of this tenant's own numbers (${backupNumber}): a call forwarded there would come back here`;
        throw new BadRequestException({ message: `invalid body: backupNumber ${reason}`, fields: [{ path: 'backupNumber', message: reason }] });
      }
      const now = this.clock();
      const saved = await this.settings.replace(tx, { backupNumber, fallbackPrompt: request.fallbackPrompt }, now);
      const view = toVoiceSettingsView(saved);
      await recordEvent(tx, voiceSettingsUpdatedV1, {
        tenantId,
        revision: saved.revision,
        backupNumber: view.backupNumber,
        fallbackPrompt: view.fallbackPrompt,
        updatedAt: now.toISOString(),
      });
      return view;
    });
  }
}
