import { randomUUID } from 'node:crypto';
import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type AuthPrincipal } from '@parley/auth';
import {
  type CallView,
  type ContactPhoneInput,
  type ContactView,
  type CreateContactRequest,
  type RevealView,
  type TicketView,
  type UpdateContactRequest,
} from '@parley/contracts';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { CallsRepository, toCallView } from '../calls/calls.repository';
import { CTI_UNIT_OF_WORK } from '../cti.tokens';
import { actorOf, badField, userOf } from '../http/cti-http';
import { InvalidPhoneNumberError, maskPhoneNumber, toE164 } from '../phone/phone-number';
import { PhoneNumberCipher } from '../phone/phone-number.cipher';
import { RevealAuditRepository } from '../reveal/reveal-audit.repository';
import { SettingsRepository } from '../settings/settings.repository';
import { TicketsRepository } from '../tickets/tickets.repository';
import { type ContactRecord, ContactsRepository, type PhoneRecord } from './contacts.repository';

export interface ContactListQuery {
  q?: string;
  phone?: string;
  tag?: string;
  limit: number;
  offset: number;
}

/** Contacts with their numbers encrypted; numbers are shown masked and revealed only with an audit record. */
@Injectable()
export class ContactsService {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly cipher: PhoneNumberCipher,
    private readonly contacts: ContactsRepository,
    private readonly settings: SettingsRepository,
    private readonly audit: RevealAuditRepository,
    private readonly callRecords: CallsRepository,
    private readonly ticketRecords: TicketsRepository,
  ) {}

  async create(tenantId: string, principal: AuthPrincipal, request: CreateContactRequest): Promise<ContactView> {
    const numbers = (request.phones ?? []).map((p, i) => this.normalize(p, `phones.${i}.number`));
    return this.uow.inTenant(tenantId, async (tx) => {
      const contact = await this.contacts.insert(
        tx,
        randomUUID(),
        { name: request.name, company: request.company ?? null, vipLevel: request.vipLevel ?? 0, tags: request.tags ?? [], notes: request.notes ?? null },
        actorOf(principal),
      );
      const seen = new Set<string>();
      for (const [i, phone] of numbers.entries()) {
        if (seen.has(phone.e164)) throw badField(`phones.${i}.number`, 'is listed twice');
        seen.add(phone.e164);
        await this.contacts.addPhone(tx, contact.contactId, this.sealed(tx.tenantId, phone.e164, phone.label));
      }
      return this.view(tx, contact, principal);
    });
  }

  list(tenantId: string, principal: AuthPrincipal, query: ContactListQuery): Promise<ContactView[]> {
    let numberHash: string | undefined;
    if (query.phone !== undefined) {
      try {
        numberHash = this.cipher.lookupHash(tenantId, toE164(query.phone));
      } catch (error) {
        if (error instanceof InvalidPhoneNumberError) throw badField('phone', error.message);
        throw error;
      }
    }
    return this.uow.inTenant(tenantId, async (tx) => {
      const found = await this.contacts.search(tx, {
        ...(query.q !== undefined ? { text: query.q } : {}),
        ...(numberHash !== undefined ? { numberHash } : {}),
        ...(query.tag !== undefined ? { tag: query.tag.toLowerCase() } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      return this.views(tx, found, principal);
    });
  }

  get(tenantId: string, principal: AuthPrincipal, contactId: string): Promise<ContactView> {
    return this.uow.inTenant(tenantId, async (tx) => this.view(tx, await this.existing(tx, contactId), principal));
  }

  update(tenantId: string, principal: AuthPrincipal, contactId: string, request: UpdateContactRequest): Promise<ContactView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const current = await this.existing(tx, contactId, true);
      const updated = await this.contacts.update(tx, contactId, {
        name: request.name ?? current.name,
        company: request.company !== undefined ? request.company : current.company,
        vipLevel: request.vipLevel ?? current.vipLevel,
        tags: request.tags ?? current.tags,
        notes: request.notes !== undefined ? request.notes : current.notes,
      });
      return this.view(tx, updated as ContactRecord, principal);
    });
  }

  async remove(tenantId: string, contactId: string): Promise<void> {
    await this.uow.inTenant(tenantId, async (tx) => {
      if (!(await this.contacts.delete(tx, contactId))) throw notFound(contactId);
    });
  }

  addPhone(tenantId: string, principal: AuthPrincipal, contactId: string, input: ContactPhoneInput): Promise<ContactView> {
    const phone = this.normalize(input, 'number');
    return this.uow.inTenant(tenantId, async (tx) => {
      const contact = await this.existing(tx, contactId, true);
      const added = await this.contacts.addPhone(tx, contactId, this.sealed(tx.tenantId, phone.e164, phone.label));
      if (added === 'duplicate') throw new ConflictException({ message: 'the contact already has this number', fields: [{ path: 'number', message: 'is already one of the contact\'s numbers' }] });
      return this.view(tx, contact, principal);
    });
  }

  async removePhone(tenantId: string, contactId: string, phoneId: string): Promise<void> {
    await this.uow.inTenant(tenantId, async (tx) => {
      await this.existing(tx, contactId);
      if (!(await this.contacts.deletePhone(tx, contactId, phoneId))) throw new NotFoundException(`contact ${contactId} has no number ${phoneId}`);
    });
  }

  /** The full number, for a role the tenant allows; written to the audit log in the same transaction. */
  reveal(tenantId: string, principal: AuthPrincipal, contactId: string, phoneId: string, reason: string | null): Promise<RevealView> {
    const userId = userOf(principal, 'Revealing a number');
    return this.uow.inTenant(tenantId, async (tx) => {
      const settings = await this.settings.get(tx);
      if (!settings.revealRoles.includes(principal.role)) throw new ForbiddenException(`the role ${principal.role} may not see full numbers in this tenant (allowed: ${settings.revealRoles.join(', ') || 'nobody'})`);
      await this.existing(tx, contactId);
      const phone = await this.contacts.findPhone(tx, contactId, phoneId);
      if (!phone) throw new NotFoundException(`contact ${contactId} has no number ${phoneId}`);
      const number = this.cipher.decrypt(tx.tenantId, phone.numberCipher);
      const revealedAt = await this.audit.append(tx, { userId, role: principal.role, target: 'contact-phone', contactId, phoneId, callId: null, reason });
      return { number, revealedAt: revealedAt.toISOString() };
    });
  }

  calls(tenantId: string, contactId: string, limit: number): Promise<CallView[]> {
    return this.uow.inTenant(tenantId, async (tx) => {
      await this.existing(tx, contactId);
      const phones = (await this.contacts.phonesOf(tx, [contactId])).get(contactId) ?? [];
      const hashes = phones.map((p) => this.cipher.lookupHash(tx.tenantId, this.cipher.decrypt(tx.tenantId, p.numberCipher)));
      return (await this.callRecords.ofContact(tx, contactId, limit, hashes)).map(toCallView);
    });
  }

  tickets(tenantId: string, contactId: string, limit: number, offset: number): Promise<TicketView[]> {
    return this.uow.inTenant(tenantId, async (tx) => {
      await this.existing(tx, contactId);
      return this.ticketRecords.list(tx, { contactId, limit, offset });
    });
  }

  private normalize(input: ContactPhoneInput, path: string): { e164: string; label: string | null } {
    try {
      return { e164: toE164(input.number), label: input.label ?? null };
    } catch (error) {
      if (error instanceof InvalidPhoneNumberError) throw badField(path, error.message);
      throw error;
    }
  }

  private sealed(tenantId: string, e164: string, label: string | null) {
    return { phoneId: randomUUID(), label, numberCipher: this.cipher.encrypt(tenantId, e164), numberHash: this.cipher.lookupHash(tenantId, e164), masked: maskPhoneNumber(e164) };
  }

  private async existing(tx: TenantTransaction, contactId: string, forUpdate = false): Promise<ContactRecord> {
    const contact = await this.contacts.find(tx, contactId, forUpdate);
    if (!contact) throw notFound(contactId);
    return contact;
  }

  private async view(tx: TenantTransaction, contact: ContactRecord, principal: AuthPrincipal): Promise<ContactView> {
    return (await this.views(tx, [contact], principal))[0] as ContactView;
  }

  private async views(tx: TenantTransaction, contacts: readonly ContactRecord[], principal: AuthPrincipal): Promise<ContactView[]> {
    const phones = await this.contacts.phonesOf(tx, contacts.map((c) => c.contactId));
    const canReveal = principal.kind === 'user' && (await this.settings.get(tx)).revealRoles.includes(principal.role);
    return contacts.map((c) => toContactView(c, phones.get(c.contactId) ?? [], canReveal));
  }
}

function notFound(contactId: string): NotFoundException {
  return new NotFoundException(`contact ${contactId} not found`);
}

function toContactView(c: ContactRecord, phones: readonly PhoneRecord[], canReveal: boolean): ContactView {
  return {
    contactId: c.contactId,
    name: c.name,
    company: c.company,
    vipLevel: c.vipLevel,
    tags: c.tags,
    notes: c.notes,
    phones: phones.map((p) => ({ phoneId: p.phoneId, label: p.label, maskedNumber: p.masked })),
    canReveal,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
