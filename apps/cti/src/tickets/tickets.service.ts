import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type CreateTicketRequest, type TicketStatus, type TicketView, type UpdateTicketRequest } from '@parley/contracts';
import { type TenantTransaction, type UnitOfWork } from '@parley/persistence';
import { ContactsRepository } from '../contacts/contacts.repository';
import { CTI_UNIT_OF_WORK } from '../cti.tokens';
import { badField } from '../http/cti-http';
import { type TicketFields, TicketsRepository } from './tickets.repository';

/** Tickets: create, change, list by contact, status or assignee. Also used by the wrap-up, inside its transaction. */
@Injectable()
export class TicketsService {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly tickets: TicketsRepository,
    private readonly contacts: ContactsRepository,
  ) {}

  create(tenantId: string, request: CreateTicketRequest, actor: string | null): Promise<TicketView> {
    return this.uow.inTenant(tenantId, (tx) => this.createIn(tx, request, { callId: null, createdBy: actor }, ''));
  }

  update(tenantId: string, ticketId: string, request: UpdateTicketRequest): Promise<TicketView> {
    return this.uow.inTenant(tenantId, (tx) => this.updateIn(tx, ticketId, request, ''));
  }

  get(tenantId: string, ticketId: string): Promise<TicketView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const ticket = await this.tickets.find(tx, ticketId);
      if (!ticket) throw new NotFoundException(`ticket ${ticketId} not found`);
      return ticket;
    });
  }

  list(tenantId: string, filter: { contactId?: string; statuses?: TicketStatus[]; assigneeId?: string; limit: number; offset: number }): Promise<TicketView[]> {
    return this.uow.inTenant(tenantId, (tx) => this.tickets.list(tx, filter));
  }

  /** `path` prefixes the field names of errors (`ticket.` when the request is a wrap-up's). */
  async createIn(tx: TenantTransaction, request: CreateTicketRequest, links: { callId: string | null; createdBy: string | null }, path: string): Promise<TicketView> {
    const fields: TicketFields = {
      subject: request.subject,
      description: request.description ?? null,
      status: request.status ?? 'open',
      priority: request.priority ?? 'normal',
      assigneeId: request.assigneeId ?? null,
      contactId: request.contactId ?? null,
    };
    await this.checkContact(tx, fields.contactId, path);
    return this.tickets.insert(tx, randomUUID(), fields, links);
  }

  async updateIn(tx: TenantTransaction, ticketId: string, request: UpdateTicketRequest, path: string): Promise<TicketView> {
    const current = await this.tickets.find(tx, ticketId, true);
    if (!current) {
      if (path !== '') throw badField(`${path}ticketId`, `names no ticket of this tenant (${ticketId})`);
      throw new NotFoundException(`ticket ${ticketId} not found`);
    }
    const fields: TicketFields = {
      subject: request.subject ?? current.subject,
      description: request.description !== undefined ? request.description : current.description,
      status: request.status ?? current.status,
      priority: request.priority ?? current.priority,
      assigneeId: request.assigneeId !== undefined ? request.assigneeId : current.assigneeId,
      contactId: request.contactId !== undefined ? request.contactId : current.contactId,
    };
    if (request.contactId !== undefined) await this.checkContact(tx, fields.contactId, path);
    return (await this.tickets.update(tx, ticketId, fields)) as TicketView;
  }

  private async checkContact(tx: TenantTransaction, contactId: string | null, path: string): Promise<void> {
    if (contactId !== null && !(await this.contacts.find(tx, contactId))) throw badField(`${path}contactId`, `names no contact of this tenant (${contactId})`);
  }
}
