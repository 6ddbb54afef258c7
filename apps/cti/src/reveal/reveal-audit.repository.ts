import { Injectable } from '@nestjs/common';
import { type RevealAuditView, type Role } from '@parley/contracts';
import { type TenantTransaction } from '@parley/persistence';

export interface RevealAuditEntry {
  userId: string;
  role: Role;
  target: 'contact-phone' | 'call-caller';
  contactId: string | null;
  phoneId: string | null;
  callId: string | null;
  reason: string | null;
}

interface AuditRow {
  id: string;
  user_id: string;
  role: Role;
  target: 'contact-phone' | 'call-caller';
  contact_id: string | null;
  phone_id: string | null;
  call_id: string | null;
  reason: string | null;
  revealed_at: Date;
}

/** Who saw which full number, when and why (cti.reveal_audit): append-only for the service. */
@Injectable()
export class RevealAuditRepository {
  async append(tx: TenantTransaction, entry: RevealAuditEntry): Promise<Date> {
    const rows: { revealed_at: Date }[] = await tx.manager.query(
      `INSERT INTO cti.reveal_audit (tenant_id, user_id, role, target, contact_id, phone_id, call_id, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING revealed_at`,
      [tx.tenantId, entry.userId, entry.role, entry.target, entry.contactId, entry.phoneId, entry.callId, entry.reason],
    );
    return rows[0]?.revealed_at as Date;
  }

  async list(tx: TenantTransaction, filter: { limit: number; before?: string; userId?: string }): Promise<RevealAuditView[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.before !== undefined) {
      params.push(filter.before);
      where.push(`id < $${params.length}`);
    }
    if (filter.userId !== undefined) {
      params.push(filter.userId);
      where.push(`user_id = $${params.length}`);
    }
    params.push(filter.limit);
    const rows: AuditRow[] = await tx.manager.query(
      `SELECT id, user_id, role, target, contact_id, phone_id, call_id, reason, revealed_at FROM cti.reveal_audit
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      userId: r.user_id,
      role: r.role,
      target: r.target,
      contactId: r.contact_id,
      phoneId: r.phone_id,
      callId: r.call_id,
      reason: r.reason,
      revealedAt: r.revealed_at.toISOString(),
    }));
  }
}
