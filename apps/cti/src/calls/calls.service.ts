import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type AuthPrincipal } from '@parley/auth';
import { type CallView, type RevealView, type ScreenPop } from '@parley/contracts';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { CTI_UNIT_OF_WORK } from '../cti.tokens';
import { isSupervising, userOf } from '../http/cti-http';
import { PhoneNumberCipher } from '../phone/phone-number.cipher';
import { RevealAuditRepository } from '../reveal/reveal-audit.repository';
import { SettingsRepository } from '../settings/settings.repository';
import { type CallRecord, CallsRepository, toCallView } from './calls.repository';
import { ScreenPopService } from './screen-pop.service';

/**
 * Reading calls: supervisors (and admins, owners) read every call of the tenant; an agent the calls
 * offered or connected to it (another call is a 404, as if it did not exist).
 */
@Injectable()
export class CallsService {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly calls: CallsRepository,
    private readonly settings: SettingsRepository,
    private readonly audit: RevealAuditRepository,
    private readonly cipher: PhoneNumberCipher,
    private readonly pops: ScreenPopService,
  ) {}

  get(tenantId: string, principal: AuthPrincipal, callId: string): Promise<CallView> {
    return this.uow.inTenant(tenantId, async (tx) => toCallView(await this.visible(tx, principal, callId)));
  }

  /** The stored pop, or one built now (an offer whose pop was never built: a crash between the two). */
  async pop(tenantId: string, principal: AuthPrincipal, callId: string): Promise<ScreenPop> {
    const { call, canReveal } = await this.uow.inTenant(tenantId, async (tx) => ({
      call: await this.visible(tx, principal, callId),
      canReveal: (await this.settings.get(tx)).revealRoles.includes(principal.role),
    }));
    let pop = call.pop;
    if (!pop) {
      if (call.offeredAt === null) throw new ConflictException(`call ${callId} has not been offered to an agent yet: it has no screen pop`);
      pop = await this.pops.build(tenantId, callId);
      if (!pop) throw new NotFoundException(`call ${callId} not found`);
    }
    return { ...pop, caller: { maskedNumber: pop.caller.maskedNumber, canReveal: canReveal && call.callerCipher !== null } };
  }

  revealCaller(tenantId: string, principal: AuthPrincipal, callId: string, reason: string | null): Promise<RevealView> {
    const userId = userOf(principal, 'Revealing a number');
    return this.uow.inTenant(tenantId, async (tx) => {
      const settings = await this.settings.get(tx);
      if (!settings.revealRoles.includes(principal.role)) throw new ForbiddenException(`the role ${principal.role} may not see full numbers in this tenant (allowed: ${settings.revealRoles.join(', ') || 'nobody'})`);
      const call = await this.visible(tx, principal, callId);
      if (call.callerCipher === null) throw new ConflictException(`the caller of call ${callId} did not send a phone number`);
      const number = this.cipher.decrypt(tx.tenantId, call.callerCipher);
      const revealedAt = await this.audit.append(tx, { userId, role: principal.role, target: 'call-caller', contactId: call.contactId, phoneId: null, callId, reason });
      return { number, revealedAt: revealedAt.toISOString() };
    });
  }

  /** The call, if the principal may see it; 404 otherwise. */
  async visible(tx: TenantTransaction, principal: AuthPrincipal, callId: string, forUpdate = false): Promise<CallRecord> {
    const call = await this.calls.find(tx, callId, forUpdate);
    if (!call || !maysee(principal, call)) throw new NotFoundException(`call ${callId} not found`);
    return call;
  }
}

function maysee(principal: AuthPrincipal, call: CallRecord): boolean {
  if (isSupervising(principal.role)) return true;
  if (principal.kind !== 'user') return false;
  return call.agentId === principal.userId || call.offeredAgentIds.includes(principal.userId);
}
