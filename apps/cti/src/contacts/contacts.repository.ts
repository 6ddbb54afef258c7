import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type TenantTransaction } from '@parley/persistence';

export interface ContactRecord {
  contactId: string;
  name: string;
  company: string | null;
  vipLevel: number;
  tags: string[];
  notes: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PhoneRecord {
  phoneId: string;
  contactId: string;
  label: string | null;
  /** Masked for display: the plain number is only in `numberCipher`. */
  masked: string;
  numberCipher: string;
}

export interface NewPhone {
  phoneId: string;
  label: string | null;
  numberCipher: string;
  numberHash: string;
  masked: string;
}

export interface ContactFields {
  name: string;
  company: string | null;
  vipLevel: number;
  tags: string[];
  notes: string | null;
}

export interface ContactSearch {
  /** Part of the name or company (case-insensitive). */
  text?: string;
  /** The lookup hash of a number. */
  numberHash?: string;
  tag?: string;
  limit: number;
  offset: number;
}

interface ContactRow {
  contact_id: string;
  name: string;
  company: string | null;
  vip_level: number;
  tags: unknown;
  notes: string | null;
  created_at: Date;
  updated_at: Date;
}

interface PhoneRow {
  phone_id: string;
  contact_id: string;
  label: string | null;
  masked: string;
  number_cipher: string;
}

const tagsSchema = z.array(z.string());
const COLUMNS = 'c.contact_id, c.name, c.company, c.vip_level, c.tags, c.notes, c.created_at, c.updated_at';

const toContact = (r: ContactRow): ContactRecord => ({
  contactId: r.contact_id,
  name: r.name,
  company: r.company,
  vipLevel: Number(r.vip_level),
  tags: tagsSchema.parse(r.tags),
  notes: r.notes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toPhone = (r: PhoneRow): PhoneRecord => ({ phoneId: r.phone_id, contactId: r.contact_id, label: r.label, masked: r.masked, numberCipher: r.number_cipher });

/** Escapes LIKE wildcards in user text. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Contacts and their numbers (cti.contacts, cti.contact_phones): numbers only as ciphertext, lookup hash and masked form. */
@Injectable()
export class ContactsRepository {
  async insert(tx: TenantTransaction, contactId: string, fields: ContactFields, createdBy: string | null): Promise<ContactRecord> {
    const rows: ContactRow[] = await tx.manager.query(
      `INSERT INTO cti.contacts AS c (tenant_id, contact_id, name, company, vip_level, tags, notes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) RETURNING ${COLUMNS}`,
      [tx.tenantId, contactId, fields.name, fields.company, fields.vipLevel, JSON.stringify(fields.tags), fields.notes, createdBy],
    );
    return toContact(rows[0] as ContactRow);
  }

  async update(tx: TenantTransaction, contactId: string, fields: ContactFields): Promise<ContactRecord | null> {
    const [rows] = (await tx.manager.query(
      `UPDATE cti.contacts c SET name = $2, company = $3, vip_level = $4, tags = $5::jsonb, notes = $6, updated_at = now()
       WHERE contact_id = $1 RETURNING ${COLUMNS}`,
      [contactId, fields.name, fields.company, fields.vipLevel, JSON.stringify(fields.tags), fields.notes],
    )) as [ContactRow[], number];
    return rows[0] ? toContact(rows[0]) : null;
  }

  async find(tx: TenantTransaction, contactId: string, forUpdate = false): Promise<ContactRecord | null> {
    const rows: ContactRow[] = await tx.manager.query(`SELECT ${COLUMNS} FROM cti.contacts c WHERE c.contact_id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [contactId]);
    return rows[0] ? toContact(rows[0]) : null;
  }

  async delete(tx: TenantTransaction, contactId: string): Promise<boolean> {
    const [, count] = (await tx.manager.query(`DELETE FROM cti.contacts WHERE contact_id = $1`, [contactId])) as [unknown, number];
    return count > 0;
  }

  async search(tx: TenantTransaction, search: ContactSearch): Promise<ContactRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (search.text !== undefined) {
      params.push(likePattern(search.text.toLowerCase()));
      where.push(`(lower(c.name) LIKE $${params.length} OR lower(coalesce(c.company, '')) LIKE $${params.length})`);
    }
    if (search.numberHash !== undefined) {
      params.push(search.numberHash);
      where.push(`EXISTS (SELECT 1 FROM cti.contact_phones p WHERE p.contact_id = c.contact_id AND p.number_hash = $${params.length})`);
    }
    if (search.tag !== undefined) {
      params.push(JSON.stringify([search.tag]));
      where.push(`c.tags @> $${params.length}::jsonb`);
    }
    params.push(search.limit, search.offset);
    const rows: ContactRow[] = await tx.manager.query(
      `SELECT ${COLUMNS} FROM cti.contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY lower(c.name), c.contact_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map(toContact);
  }

  /** The contact (with the highest VIP level, then the most recently changed) that has this number. */
  async findByNumberHash(tx: TenantTransaction, numberHash: string): Promise<{ contact: ContactRecord; phoneId: string } | null> {
    const rows: (ContactRow & { phone_id: string })[] = await tx.manager.query(
      `SELECT ${COLUMNS}, p.phone_id FROM cti.contact_phones p JOIN cti.contacts c ON c.contact_id = p.contact_id AND c.tenant_id = p.tenant_id
       WHERE p.number_hash = $1 ORDER BY c.vip_level DESC, c.updated_at DESC LIMIT 1`,
      [numberHash],
    );
    const row = rows[0];
    return row ? { contact: toContact(row), phoneId: row.phone_id } : null;
  }

  async addPhone(tx: TenantTransaction, contactId: string, phone: NewPhone): Promise<'added' | 'duplicate'> {
    const rows: unknown[] = await tx.manager.query(
      `INSERT INTO cti.contact_phones (tenant_id, phone_id, contact_id, label, number_cipher, number_hash, masked)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, contact_id, number_hash) DO NOTHING RETURNING phone_id`,
      [tx.tenantId, phone.phoneId, contactId, phone.label, phone.numberCipher, phone.numberHash, phone.masked],
    );
    return rows.length > 0 ? 'added' : 'duplicate';
  }

  async deletePhone(tx: TenantTransaction, contactId: string, phoneId: string): Promise<boolean> {
    const [, count] = (await tx.manager.query(`DELETE FROM cti.contact_phones WHERE contact_id = $1 AND phone_id = $2`, [contactId, phoneId])) as [unknown, number];
    return count > 0;
  }

  async findPhone(tx: TenantTransaction, contactId: string, phoneId: string): Promise<PhoneRecord | null> {
    const rows: PhoneRow[] = await tx.manager.query(`SELECT phone_id, contact_id, label, masked, number_cipher FROM cti.contact_phones WHERE contact_id = $1 AND phone_id = $2`, [contactId, phoneId]);
    return rows[0] ? toPhone(rows[0]) : null;
  }

  async phonesOf(tx: TenantTransaction, contactIds: readonly string[]): Promise<Map<string, PhoneRecord[]>> {
    const out = new Map<string, PhoneRecord[]>();
    if (contactIds.length === 0) return out;
    const rows: PhoneRow[] = await tx.manager.query(
      `SELECT phone_id, contact_id, label, masked, number_cipher FROM cti.contact_phones WHERE contact_id = ANY($1::uuid[]) ORDER BY created_at, phone_id`,
      [contactIds],
    );
    for (const row of rows) out.set(row.contact_id, [...(out.get(row.contact_id) ?? []), toPhone(row)]);
    return out;
  }
}
