import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type SystemTransaction, type TenantTransaction } from '@parley/persistence';
import { skillRequirementSchema } from '../routing/routing-config.schema';
import { type CallerDataCipher } from './caller-data.cipher';
import { type CallEntry, type CallOutcome, type CallStatus, type OfferEntry } from './call-entry';

interface CallRow {
  call_id: string;
  voice_call_id: string | null;
  queue_id: string;
  mode: 'live' | 'callback';
  status: CallStatus;
  outcome: CallOutcome | null;
  priority: number;
  skills: unknown;
  attributes: unknown;
  after_agent: 'end' | 'continue';
  locale: string;
  caller_hash: string | null;
  last_agent_id: string | null;
  dialled_number: string;
  callback_number: string | null;
  callback_attempts: number;
  callback_retry_at: Date | null;
  callback_voice: 'dialing' | 'live' | null;
  moh_on: boolean;
  enqueued_at: Date;
  offer: unknown;
  agent_id: string | null;
  connected_at: Date | null;
  missed_by: unknown;
  routed_at: Date;
  ended_at: Date | null;
}

const offerSchema = z.object({
  offerId: z.string(),
  decisionId: z.string(),
  agentIds: z.array(z.string()),
  offeredAt: z.number(),
  bridgeCommands: z.record(z.string(), z.string()),
  originateCommandId: z.string().nullable(),
});

/** A call's row as stored, or what was there before (status and place), for a call already routed. */
export interface ExistingCall {
  status: CallStatus;
  outcome: CallOutcome | null;
  mode: 'live' | 'callback';
  enqueuedAt: number;
}

const COLUMNS = [
  'call_id',
  'tenant_id',
  'voice_call_id',
  'queue_id',
  'mode',
  'status',
  'outcome',
  'priority',
  'skills',
  'attributes',
  'after_agent',
  'locale',
  'caller_hash',
  'last_agent_id',
  'dialled_number',
  'callback_number',
  'callback_attempts',
  'callback_retry_at',
  'callback_voice',
  'moh_on',
  'enqueued_at',
  'offer',
  'agent_id',
  'connected_at',
  'missed_by',
  'routed_at',
  'ended_at',
] as const;
const JSON_COLUMNS = new Set(['skills', 'attributes', 'offer', 'missed_by']);
const SAVE_CHUNK = 500;

/**
 * The durable queue entries (acd.calls): every call the acd service routes, saved with each
 * change, so any instance can take a tenant's calls over. Also each caller's last agent.
 */
@Injectable()
export class CallsRepository {
  /** Calls routed since `sinceMs` that are over (a routed event seen again for one of them is a duplicate). */
  async recentlyFinished(tx: TenantTransaction, sinceMs: number): Promise<(ExistingCall & { callId: string; routedAt: number })[]> {
    const rows: { call_id: string; status: CallStatus; outcome: CallOutcome | null; mode: 'live' | 'callback'; enqueued_at: Date; routed_at: Date }[] = await tx.manager.query(
      `SELECT call_id, status, outcome, mode, enqueued_at, routed_at FROM acd.calls WHERE status = 'done' AND routed_at >= $1 ORDER BY routed_at`,
      [new Date(sinceMs)],
    );
    return rows.map((r) => ({ callId: r.call_id, status: r.status, outcome: r.outcome, mode: r.mode, enqueuedAt: r.enqueued_at.getTime(), routedAt: r.routed_at.getTime() }));
  }

  /** The tenant's calls in progress, oldest place first. */
  async active(tx: TenantTransaction, cipher: CallerDataCipher): Promise<CallEntry[]> {
    const rows: CallRow[] = await tx.manager.query(`SELECT ${COLUMNS.join(', ')} FROM acd.calls WHERE status <> 'done' ORDER BY enqueued_at, call_id`);
    return rows.map((row) => toEntry(row, cipher));
  }

  async find(tx: TenantTransaction, callId: string, cipher: CallerDataCipher): Promise<CallEntry | null> {
    const rows: CallRow[] = await tx.manager.query(`SELECT ${COLUMNS.join(', ')} FROM acd.calls WHERE call_id = $1`, [callId]);
    return rows[0] ? toEntry(rows[0], cipher) : null;
  }

  /** Whether a call in progress is commanded on this voice call (a voice event worth passing to the engine). */
  async isActiveVoiceCall(tx: TenantTransaction, voiceCallId: string): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(`SELECT 1 FROM acd.calls WHERE voice_call_id = $1 AND status <> 'done' LIMIT 1`, [voiceCallId]);
    return rows.length > 0;
  }

  /** Inserts or updates the calls (each at most once), in one statement per 500. */
  async save(tx: TenantTransaction, calls: readonly CallEntry[], cipher: CallerDataCipher): Promise<void> {
    const updates = COLUMNS.filter((c) => c !== 'call_id' && c !== 'tenant_id').map((c) => `${c} = EXCLUDED.${c}`);
    for (let start = 0; start < calls.length; start += SAVE_CHUNK) {
      const chunk = calls.slice(start, start + SAVE_CHUNK);
      const params: unknown[] = [];
      const rows = chunk.map((call) => {
        const base = params.length;
        params.push(...rowValues(tx.tenantId, call, cipher));
        return `(${COLUMNS.map((column, i) => (JSON_COLUMNS.has(column) ? `$${base + i + 1}::jsonb` : `$${base + i + 1}`)).join(', ')}, now())`;
      });
      await tx.manager.query(`INSERT INTO acd.calls (${COLUMNS.join(', ')}, updated_at) VALUES ${rows.join(', ')} ON CONFLICT (call_id) DO UPDATE SET ${updates.join(', ')}, updated_at = now()`, params);
    }
  }

  async lastAgent(tx: TenantTransaction, callerHash: string): Promise<{ agentId: string; at: number } | null> {
    const rows: { agent_id: string; at: Date }[] = await tx.manager.query('SELECT agent_id, at FROM acd.last_agents WHERE caller_hash = $1', [callerHash]);
    return rows[0] ? { agentId: rows[0].agent_id, at: rows[0].at.getTime() } : null;
  }

  async saveLastAgents(tx: TenantTransaction, entries: readonly { callerHash: string; agentId: string; at: number }[]): Promise<void> {
    // One row per caller (the latest), so one statement can take them all.
    const latest = new Map<string, { agentId: string; at: number }>();
    for (const entry of entries) if ((latest.get(entry.callerHash)?.at ?? -1) <= entry.at) latest.set(entry.callerHash, entry);
    if (latest.size === 0) return;
    const params: unknown[] = [];
    const rows = [...latest].map(([callerHash, entry]) => {
      const b = params.length;
      params.push(tx.tenantId, callerHash, entry.agentId, new Date(entry.at));
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4})`;
    });
    await tx.manager.query(
      `INSERT INTO acd.last_agents (tenant_id, caller_hash, agent_id, at) VALUES ${rows.join(', ')}
       ON CONFLICT (tenant_id, caller_hash) DO UPDATE SET agent_id = EXCLUDED.agent_id, at = EXCLUDED.at`,
      params,
    );
  }

  /** Tenants with calls in progress (any of them may need an engine). */
  async tenantsWithCalls(tx: SystemTransaction): Promise<string[]> {
    const rows: { tenant_id: string }[] = await tx.manager.query(`SELECT DISTINCT tenant_id FROM acd.calls WHERE status <> 'done'`);
    return rows.map((r) => r.tenant_id);
  }

  /** Deletes finished calls older than `olderThanHours`; returns how many. */
  async pruneFinished(tx: SystemTransaction, olderThanHours: number, limit: number): Promise<number> {
    const [, deleted] = (await tx.manager.query(
      `DELETE FROM acd.calls WHERE call_id IN (SELECT call_id FROM acd.calls WHERE status = 'done' AND ended_at < now() - make_interval(hours => $1) LIMIT $2)`,
      [olderThanHours, limit],
    )) as [unknown, number];
    return deleted;
  }
}

function toEntry(row: CallRow, cipher: CallerDataCipher): CallEntry {
  const offer = row.offer === null ? null : (offerSchema.parse(row.offer) as OfferEntry);
  return {
    callId: row.call_id,
    voiceCallId: row.voice_call_id,
    queueId: row.queue_id,
    mode: row.mode,
    status: row.status,
    outcome: row.outcome,
    priority: row.priority,
    skills: z.array(skillRequirementSchema).parse(row.skills),
    attributes: z.record(z.string(), z.string()).parse(row.attributes),
    afterAgent: row.after_agent,
    locale: row.locale,
    callerHash: row.caller_hash,
    lastAgentId: row.last_agent_id,
    dialledNumber: row.dialled_number,
    callbackNumber: row.callback_number === null ? null : cipher.decrypt(row.callback_number),
    callbackAttempts: row.callback_attempts,
    callbackRetryAt: row.callback_retry_at?.getTime() ?? null,
    callbackVoice: row.callback_voice,
    mohOn: row.moh_on,
    enqueuedAt: row.enqueued_at.getTime(),
    offer,
    agentId: row.agent_id,
    connectedAt: row.connected_at?.getTime() ?? null,
    missedBy: z.array(z.string()).parse(row.missed_by),
    routedAt: row.routed_at.getTime(),
    endedAt: row.ended_at?.getTime() ?? null,
  };
}

function rowValues(tenantId: string, call: CallEntry, cipher: CallerDataCipher): unknown[] {
  const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
  const byColumn: Record<(typeof COLUMNS)[number], unknown> = {
    call_id: call.callId,
    tenant_id: tenantId,
    voice_call_id: call.voiceCallId,
    queue_id: call.queueId,
    mode: call.mode,
    status: call.status,
    outcome: call.outcome,
    priority: call.priority,
    skills: JSON.stringify(call.skills),
    attributes: JSON.stringify(call.attributes),
    after_agent: call.afterAgent,
    locale: call.locale,
    caller_hash: call.callerHash,
    last_agent_id: call.lastAgentId,
    dialled_number: call.dialledNumber,
    callback_number: call.callbackNumber === null ? null : cipher.encrypt(call.callbackNumber),
    callback_attempts: call.callbackAttempts,
    callback_retry_at: date(call.callbackRetryAt),
    callback_voice: call.callbackVoice,
    moh_on: call.mohOn,
    enqueued_at: new Date(call.enqueuedAt),
    offer: call.offer === null ? null : JSON.stringify(call.offer),
    agent_id: call.agentId,
    connected_at: date(call.connectedAt),
    missed_by: JSON.stringify(call.missedBy),
    routed_at: new Date(call.routedAt),
    ended_at: date(call.endedAt),
  };
  return COLUMNS.map((column) => byColumn[column]);
}
