import { Injectable } from '@nestjs/common';
import { type TicketPriority, type TicketStatus, type TicketView } from '@parley/contracts';
import { type TenantTransaction } from '@parley/persistence';

export interface TicketFields {
  subject: string;
  description: string | null;
  status: TicketStatus;
  priority: TicketPriority;
  assigneeId: string | null;
  contactId: string | null;
}

interface TicketRow {
  ticket_id: string;
  subject: string;
  description: string | null;
  status: TicketStatus;
  priority: TicketPriority;
  assignee_id: string | null;
  contact_id: string | null;
  call_id: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'ticket_id, subject, description, status, priority, assignee_id, contact_id, call_id, created_by, created_at, updated_at';

export const toTicketView = (r: TicketRow): TicketView => ({
  ticketId: r.ticket_id,
  subject: r.subject,
  description: r.description,
  status: r.status,
  priority: r.priority,
  assigneeId: r.assignee_id,
  contactId: r.contact_id,
  callId: r.call_id,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Tickets (cti.tickets): created by hand or at a call's wrap-up, for a contact or not. */
@Injectable()
export class TicketsRepository {
  async insert(tx: TenantTransaction, ticketId: string, fields: TicketFields, links: { callId: string | null; createdBy: string | null }): Promise<TicketView> {
    const rows: TicketRow[] = await tx.manager.query(
      `INSERT INTO cti.tickets (tenant_id, ticket_id, subject, description, status, priority, assignee_id, contact_id, call_id, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [tx.tenantId, ticketId, fields.subject, fields.description, fields.status, fields.priority, fields.assigneeId, fields.contactId, links.callId, links.createdBy],
    );
    return toTicketView(rows[0] as TicketRow);
  }

  async find(tx: TenantTransaction, ticketId: string, forUpdate = false): Promise<TicketView | null> {
    const rows: TicketRow[] = await tx.manager.query(`SELECT ${COLUMNS} FROM cti.tickets WHERE ticket_id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [ticketId]);
    return rows[0] ? toTicketView(rows[0]) : null;
  }

  async update(tx: TenantTransaction, ticketId: string, fields: TicketFields): Promise<TicketView | null> {
    const [rows] = (await tx.manager.query(
      `UPDATE cti.tickets SET subject = $2, description = $3, status = $4, priority = $5, assignee_id = $6, contact_id = $7, updated_at = now()
       WHERE ticket_id = $1 RETURNING ${COLUMNS}`,
      [ticketId, fields.subject, fields.description, fields.status, fields.priority, fields.assigneeId, fields.contactId],
    )) as [TicketRow[], number];
    return rows[0] ? toTicketView(rows[0]) : null;
  }

  async list(tx: TenantTransaction, filter: { contactId?: string; statuses?: readonly TicketStatus[]; assigneeId?: string; limit: number; offset: number }): Promise<TicketView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.contactId !== undefined) {
      params.push(filter.contactId);
      where.push(`contact_id = $${params.length}`);
    }
    if (filter.statuses !== undefined) {
      params.push(filter.statuses);
      where.push(`status = ANY($${params.length}::text[])`);
    }
    if (filter.assigneeId !== undefined) {
      params.push(filter.assigneeId);
      where.push(`assignee_id = $${params.length}`);
    }
    params.push(filter.limit, filter.offset);
    const rows: TicketRow[] = await tx.manager.query(
      `SELECT ${COLUMNS} FROM cti.tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, ticket_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map(toTicketView);
  }
}
