import { Inject, Injectable } from '@nestjs/common';
import { type CrmAnswer, type ScreenPop } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { type CtiEnv } from '../config/env.schema';
import { ContactsRepository } from '../contacts/contacts.repository';
import { CrmClient } from '../crm/crm.client';
import { CTI_CLOCK, CTI_CONFIG, CTI_LOGGER, CTI_METRICS, CTI_UNIT_OF_WORK, type CtiClock, type CtiLogger } from '../cti.tokens';
import { PhoneNumberCipher } from '../phone/phone-number.cipher';
import { type CtiMetrics } from '../runtime/cti-metrics';
import { SettingsRepository } from '../settings/settings.repository';
import { TicketsRepository } from '../tickets/tickets.repository';
import { CallsRepository } from './calls.repository';

/**
 * Builds the screen pop of an offered call: the caller (masked), the contact its number finds, its
 * last calls and open tickets, what it entered in the IVR, and what the tenant's CRM says — asked
 * outside any transaction, bounded by the CRM timeout; a CRM that fails or is slow only marks the
 * pop's `crm`. The pop is saved with the call.
 */
@Injectable()
export class ScreenPopService {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_CONFIG) private readonly config: CtiEnv,
    @Inject(CTI_CLOCK) private readonly clock: CtiClock,
    @Inject(CTI_LOGGER) private readonly logger: CtiLogger,
    @Inject(CTI_METRICS) private readonly metrics: CtiMetrics,
    private readonly calls: CallsRepository,
    private readonly contacts: ContactsRepository,
    private readonly tickets: TicketsRepository,
    private readonly settings: SettingsRepository,
    private readonly cipher: PhoneNumberCipher,
    private readonly crm: CrmClient,
  ) {}

  /** Null when the call is unknown. */
  async build(tenantId: string, callId: string): Promise<ScreenPop | null> {
    const started = performance.now();
    const facts = await this.uow.inTenant(tenantId, async (tx) => {
      const call = await this.calls.find(tx, callId);
      if (!call) return null;
      const settings = await this.settings.get(tx);
      const found = call.callerHash !== null ? await this.contacts.findByNumberHash(tx, call.callerHash) : null;
      const contact = found?.contact ?? (call.contactId !== null ? await this.contacts.find(tx, call.contactId) : null);
      const previous = await this.calls.previous(tx, { callerHash: call.callerHash, contactId: contact?.contactId ?? null }, callId, this.config.CTI_LAST_CALLS);
      const openTickets = contact ? await this.tickets.list(tx, { contactId: contact.contactId, statuses: ['open', 'pending'], limit: 10, offset: 0 }) : [];
      const callerNumber = call.callerCipher !== null ? this.cipher.decrypt(tx.tenantId, call.callerCipher) : null;
      return { call, settings, contact, previous, openTickets, callerNumber };
    });
    if (!facts) return null;
    const { call, settings, contact, previous, openTickets, callerNumber } = facts;

    let crm: CrmAnswer = { status: 'not-configured' };
    if (settings.crmWebhookUrl !== null) {
      crm = await this.crm.ask(settings.crmWebhookUrl, {
        callId,
        queueId: call.queueId,
        callerNumber,
        dialledNumber: call.dialledNumber,
        attributes: call.ivrAttributes,
        variables: call.ivrVariables,
      });
      this.metrics.crmRequests.inc({ status: crm.status });
      if (crm.status === 'timeout' || crm.status === 'error') this.logger.warn({ tenantId, callId, crm: crm.status, detail: crm.detail }, 'the CRM webhook did not answer the screen pop');
    }

    const pop: ScreenPop = {
      callId,
      queueId: call.queueId,
      caller: { maskedNumber: call.callerMasked, canReveal: settings.revealRoles.includes('agent') && call.callerCipher !== null },
      contact: contact ? { contactId: contact.contactId, name: contact.name, company: contact.company, vipLevel: contact.vipLevel, tags: contact.tags } : null,
      lastCalls: previous.map((c) => ({ callId: c.callId, at: c.createdAt.toISOString(), queueId: c.queueId, agentId: c.agentId, disposition: c.disposition, surveyScore: c.surveyScore })),
      openTickets: openTickets.map((t) => ({ ticketId: t.ticketId, subject: t.subject, status: t.status, priority: t.priority, updatedAt: t.updatedAt })),
      ivr: { attributes: call.ivrAttributes, variables: call.ivrVariables },
      crm,
      builtAt: this.clock().toISOString(),
    };
    await this.uow.inTenant(tenantId, (tx) => this.calls.savePop(tx, callId, pop, contact?.contactId ?? null));
    this.metrics.popSeconds.observe((performance.now() - started) / 1000);
    return pop;
  }
}
