import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type CallView, type CtiCallState, type ScreenPop } from '@parley/contracts';
import { type TenantTransaction } from '@parley/persistence';

export interface CallRecord {
  callId: string;
  voiceCallId: string | null;
  queueId: string | null;
  state: CtiCallState;
  callerCipher: string | null;
  callerHash: string | null;
  callerMasked: string | null;
  dialledNumber: string | null;
  ivrAttributes: Record<string, string>;
  ivrVariables: Record<string, string>;
  offerId: string | null;
  offeredAgentIds: string[];
  ringTimeoutMs: number | null;
  agentId: string | null;
  contactId: string | null;
  routedAt: Date | null;
  offeredAt: Date | null;
  connectedAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
  talkMs: number | null;
  surveyScore: number | null;
  pop: ScreenPop | null;
  disposition: string | null;
  wrapUpNotes: string | null;
  ticketId: string | null;
  wrappedUpAt: Date | null;
  createdAt: Date;
}

interface CallRow {
  call_id: string;
  voice_call_id: string | null;
  queue_id: string | null;
  state: CtiCallState;
  caller_cipher: string | null;
  caller_hash: string | null;
  caller_masked: string | null;
  dialled_number: string | null;
  ivr_attributes: unknown;
  ivr_variables: unknown;
  offer_id: string | null;
  offered_agent_ids: unknown;
  ring_timeout_ms: number | null;
  agent_id: string | null;
  contact_id: string | null;
  routed_at: Date | null;
  offered_at: Date | null;
  connected_at: Date | null;
  ended_at: Date | null;
  end_reason: string | null;
  talk_ms: number | null;
  survey_score: number | null;
  pop: unknown;
  disposition: string | null;
  wrap_up_notes: string | null;
  ticket_id: string | null;
  wrapped_up_at: Date | null;
  created_at: Date;
}

const stringMap = z.record(z.string(), z.string());
const uuidList = z.array(z.string());

const toRecord = (r: CallRow): CallRecord => ({
  callId: r.call_id,
  voiceCallId: r.voice_call_id,
  queueId: r.queue_id,
  state: r.state,
  callerCipher: r.caller_cipher,
  callerHash: r.caller_hash,
  callerMasked: r.caller_masked,
  dialledNumber: r.dialled_number,
  ivrAttributes: stringMap.parse(r.ivr_attributes),
  ivrVariables: stringMap.parse(r.ivr_variables),
  offerId: r.offer_id,
  offeredAgentIds: uuidList.parse(r.offered_agent_ids),
  ringTimeoutMs: r.ring_timeout_ms,
  agentId: r.agent_id,
  contactId: r.contact_id,
  routedAt: r.routed_at,
  offeredAt: r.offered_at,
  connectedAt: r.connected_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  talkMs: r.talk_ms,
  surveyScore: r.survey_score,
  // Written only by this service from a ScreenPop.
  pop: (r.pop ?? null) as ScreenPop | null,
  disposition: r.disposition,
  wrapUpNotes: r.wrap_up_notes,
  ticketId: r.ticket_id,
  wrappedUpAt: r.wrapped_up_at,
  createdAt: r.created_at,
});

export function toCallView(c: CallRecord): CallView {
  return {
    callId: c.callId,
    queueId: c.queueId,
    state: c.state,
    agentId: c.agentId,
    callerMasked: c.callerMasked,
    contactId: c.contactId,
    routedAt: c.routedAt?.toISOString() ?? null,
    offeredAt: c.offeredAt?.toISOString() ?? null,
    connectedAt: c.connectedAt?.toISOString() ?? null,
    endedAt: c.endedAt?.toISOString() ?? null,
    endReason: c.endReason,
    talkMs: c.talkMs,
    surveyScore: c.surveyScore,
    disposition: c.disposition,
    wrapUpNotes: c.wrapUpNotes,
    ticketId: c.ticketId,
  };
}

const SELECT = `SELECT call_id, voice_call_id, queue_id, state, caller_cipher, caller_hash, caller_masked, dialled_number, ivr_attributes, ivr_variables,
  offer_id, offered_agent_ids, ring_timeout_ms, agent_id, contact_id, routed_at, offered_at, connected_at, ended_at, end_reason, talk_ms,
  survey_score, pop, disposition, wrap_up_notes, ticket_id, wrapped_up_at, created_at FROM cti.calls`;

/** A state only moves forward (an event that arrives late does not undo a later one). */
const STATE_RANK_SQL = `(CASE %s WHEN 'routed' THEN 0 WHEN 'offered' THEN 1 WHEN 'connected' THEN 2 WHEN 'held' THEN 2 WHEN 'ended' THEN 3 END)`;
const rank = (column: string): string => STATE_RANK_SQL.replace('%s', column);
const STATE_RANK: Record<CtiCallState, number> = { routed: 0, offered: 1, connected: 2, held: 2, ended: 3 };
/** An offer made after the call was connected: the call went back to a queue (transferred there) and is offered anew. */
const OFFERED_AFTER_CONNECTION = `(cti.calls.state IN ('connected', 'held') AND cti.calls.connected_at IS NOT NULL AND EXCLUDED.offered_at > cti.calls.connected_at)`;

export interface RoutedFacts {
  callId: string;
  queueId: string;
  callerCipher: string | null;
  callerHash: string | null;
  callerMasked: string;
  dialledNumber: string;
  attributes: Record<string, string>;
  variables: Record<string, string>;
  contactId: string | null;
  routedAt: Date;
}

export interface OfferedFacts {
  callId: string;
  voiceCallId: string;
  queueId: string;
  offerId: string;
  agentIds: string[];
  ringTimeoutMs: number;
  attributes: Record<string, string>;
  offeredAt: Date;
}

/**
 * The call projection (cti.calls): one row per call the IVR routed, filled by the ivr, acd and
 * voice events in whatever order they arrive (each event writes only its own facts, and a call's
 * state only moves forward), plus the screen pop and the wrap-up.
 */
@Injectable()
export class CallsRepository {
  async find(tx: TenantTransaction, callId: string, forUpdate = false): Promise<CallRecord | null> {
    const rows: CallRow[] = await tx.manager.query(`${SELECT} WHERE call_id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [callId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findByVoiceCall(tx: TenantTransaction, voiceCallId: string): Promise<CallRecord[]> {
    const rows: CallRow[] = await tx.manager.query(`${SELECT} WHERE voice_call_id = $1 OR (voice_call_id IS NULL AND call_id = $1) FOR UPDATE`, [voiceCallId]);
    return rows.map(toRecord);
  }

  async applyRouted(tx: TenantTransaction, f: RoutedFacts): Promise<CallRecord> {
    const rows: CallRow[] = await tx.manager.query(
      `INSERT INTO cti.calls (tenant_id, call_id, queue_id, state, caller_cipher, caller_hash, caller_masked, dialled_number, ivr_attributes, ivr_variables, contact_id, routed_at)
       VALUES ($1, $2, $3, 'routed', $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11)
       ON CONFLICT (tenant_id, call_id) DO UPDATE SET
         queue_id = coalesce(cti.calls.queue_id, EXCLUDED.queue_id),
         caller_cipher = EXCLUDED.caller_cipher, caller_hash = EXCLUDED.caller_hash, caller_masked = EXCLUDED.caller_masked,
         dialled_number = EXCLUDED.dialled_number,
         ivr_attributes = EXCLUDED.ivr_attributes || cti.calls.ivr_attributes,
         ivr_variables = EXCLUDED.ivr_variables,
         contact_id = coalesce(cti.calls.contact_id, EXCLUDED.contact_id),
         routed_at = EXCLUDED.routed_at, updated_at = now()
       RETURNING call_id`,
      [tx.tenantId, f.callId, f.queueId, f.callerCipher, f.callerHash, f.callerMasked, f.dialledNumber, JSON.stringify(f.attributes), JSON.stringify(f.variables), f.contactId, f.routedAt],
    );
    return (await this.find(tx, (rows[0] as CallRow).call_id)) as CallRecord;
  }

  /** A new offer replaces an earlier one (the call went back to its queue and was offered again). */
  async applyOffered(tx: TenantTransaction, f: OfferedFacts): Promise<CallRecord> {
    await tx.manager.query(
      `INSERT INTO cti.calls (tenant_id, call_id, voice_call_id, queue_id, state, ivr_attributes, offer_id, offered_agent_ids, ring_timeout_ms, offered_at)
       VALUES ($1, $2, $3, $4, 'offered', $5::jsonb, $6, $7::jsonb, $8, $9)
       ON CONFLICT (tenant_id, call_id) DO UPDATE SET
         voice_call_id = EXCLUDED.voice_call_id, queue_id = EXCLUDED.queue_id,
         state = CASE WHEN ${rank('cti.calls.state')} < 1 OR ${OFFERED_AFTER_CONNECTION} THEN 'offered' ELSE cti.calls.state END,
         agent_id = CASE WHEN ${OFFERED_AFTER_CONNECTION} THEN NULL ELSE cti.calls.agent_id END,
         ivr_attributes = cti.calls.ivr_attributes || EXCLUDED.ivr_attributes,
         offer_id = EXCLUDED.offer_id, offered_agent_ids = EXCLUDED.offered_agent_ids, ring_timeout_ms = EXCLUDED.ring_timeout_ms,
         offered_at = EXCLUDED.offered_at, updated_at = now()`,
      [tx.tenantId, f.callId, f.voiceCallId, f.queueId, JSON.stringify(f.attributes), f.offerId, JSON.stringify(f.agentIds), f.ringTimeoutMs, f.offeredAt],
    );
    return (await this.find(tx, f.callId)) as CallRecord;
  }

  async applyAssigned(tx: TenantTransaction, f: { callId: string; voiceCallId: string; queueId: string; agentId: string; assignedAt: Date }): Promise<CallRecord> {
    await tx.manager.query(
      `INSERT INTO cti.calls (tenant_id, call_id, voice_call_id, queue_id, state, agent_id, connected_at)
       VALUES ($1, $2, $3, $4, 'connected', $5, $6)
       ON CONFLICT (tenant_id, call_id) DO UPDATE SET
         voice_call_id = EXCLUDED.voice_call_id, agent_id = EXCLUDED.agent_id,
         queue_id = EXCLUDED.queue_id,
         state = CASE WHEN ${rank('cti.calls.state')} < 2 THEN 'connected' ELSE cti.calls.state END,
         connected_at = CASE WHEN cti.calls.agent_id IS DISTINCT FROM EXCLUDED.agent_id AND cti.calls.state <> 'ended'
                          THEN greatest(coalesce(cti.calls.connected_at, EXCLUDED.connected_at), EXCLUDED.connected_at)
                          ELSE coalesce(cti.calls.connected_at, EXCLUDED.connected_at) END,
         updated_at = now()`,
      [tx.tenantId, f.callId, f.voiceCallId, f.queueId, f.agentId, f.assignedAt],
    );
    await this.joinAgent(tx, f.callId, f.agentId, f.assignedAt);
    return (await this.find(tx, f.callId)) as CallRecord;
  }

  /**
   * The call went back to a queue (its agent transferred it there): waiting again, nobody's, unless
   * the next offer or agent got here first (another topic), which wins.
   */
  async requeue(tx: TenantTransaction, f: { callId: string; queueId: string; fromAgentId: string; at: Date }): Promise<boolean> {
    await this.leaveAgent(tx, f.callId, f.fromAgentId, f.at);
    const [, count] = (await tx.manager.query(
      `UPDATE cti.calls SET state = 'routed', queue_id = $2, agent_id = NULL, offer_id = NULL, offered_agent_ids = '[]'::jsonb, updated_at = now()
       WHERE call_id = $1 AND agent_id = $3 AND state IN ('connected', 'held')`,
      [f.callId, f.queueId, f.fromAgentId],
    )) as [unknown, number];
    return count > 0;
  }

  /** The agent is (again) on the call. */
  async joinAgent(tx: TenantTransaction, callId: string, agentId: string, at: Date): Promise<void> {
    await tx.manager.query(
      `INSERT INTO cti.call_agents (tenant_id, call_id, agent_id, joined_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, call_id, agent_id) DO UPDATE SET left_at = NULL WHERE cti.call_agents.left_at IS NOT NULL AND cti.call_agents.left_at < EXCLUDED.joined_at`,
      [tx.tenantId, callId, agentId, at],
    );
  }

  /** The agent left the call (transferred it, or it ended); `agentId` null: every agent still on it. */
  async leaveAgent(tx: TenantTransaction, callId: string, agentId: string | null, at: Date): Promise<void> {
    await tx.manager.query(`UPDATE cti.call_agents SET left_at = $3 WHERE call_id = $1 AND ($2::uuid IS NULL OR agent_id = $2) AND left_at IS NULL`, [callId, agentId, at]);
  }

  /** The agent's part in the call: null when the agent never had it. */
  async agentPart(tx: TenantTransaction, callId: string, agentId: string): Promise<{ joinedAt: Date; leftAt: Date | null; wrappedUpAt: Date | null } | null> {
    const rows: { joined_at: Date; left_at: Date | null; wrapped_up_at: Date | null }[] = await tx.manager.query(
      `SELECT joined_at, left_at, wrapped_up_at FROM cti.call_agents WHERE call_id = $1 AND agent_id = $2 FOR UPDATE`,
      [callId, agentId],
    );
    const row = rows[0];
    return row ? { joinedAt: row.joined_at, leftAt: row.left_at, wrappedUpAt: row.wrapped_up_at } : null;
  }

  async setState(tx: TenantTransaction, callId: string, change: { state: CtiCallState; at: Date; agentId?: string; endReason?: string; talkMs?: number }): Promise<void> {
    await tx.manager.query(
      `UPDATE cti.calls SET
         state = CASE WHEN ${rank('state')} <= $7 THEN $2::text ELSE state END,
         agent_id = coalesce($3, agent_id),
         connected_at = CASE WHEN $2::text = 'connected' THEN coalesce(connected_at, $4) ELSE connected_at END,
         ended_at = CASE WHEN $2::text = 'ended' THEN coalesce(ended_at, $4) ELSE ended_at END,
         end_reason = coalesce($5, end_reason), talk_ms = coalesce($6, talk_ms), updated_at = now()
       WHERE call_id = $1 AND state <> 'ended'`,
      [callId, change.state, change.agentId ?? null, change.at, change.endReason ?? null, change.talkMs ?? null, STATE_RANK[change.state]],
    );
    if (change.state === 'ended') await this.leaveAgent(tx, callId, null, change.at);
    else if (change.agentId !== undefined && (change.state === 'connected' || change.state === 'held')) await this.joinAgent(tx, callId, change.agentId, change.at);
  }

  async setSurveyScore(tx: TenantTransaction, callId: string, score: number): Promise<boolean> {
    const [, count] = (await tx.manager.query(`UPDATE cti.calls SET survey_score = $2, updated_at = now() WHERE call_id = $1`, [callId, score])) as [unknown, number];
    return count > 0;
  }

  async savePop(tx: TenantTransaction, callId: string, pop: ScreenPop, contactId: string | null): Promise<void> {
    await tx.manager.query(`UPDATE cti.calls SET pop = $2::jsonb, contact_id = coalesce(contact_id, $3), updated_at = now() WHERE call_id = $1`, [callId, JSON.stringify(pop), contactId]);
  }

  async recordWrapUp(tx: TenantTransaction, callId: string, w: { disposition: string; notes: string | null; ticketId: string | null; by: string; at: Date }): Promise<void> {
    await tx.manager.query(
      `UPDATE cti.calls SET disposition = $2, wrap_up_notes = $3, ticket_id = $4, wrapped_up_by = $5, wrapped_up_at = $6, updated_at = now() WHERE call_id = $1`,
      [callId, w.disposition, w.notes, w.ticketId, w.by, w.at],
    );
    await tx.manager.query(`UPDATE cti.call_agents SET wrapped_up_at = $3 WHERE call_id = $1 AND agent_id = $2`, [callId, w.by, w.at]);
  }

  /** Earlier calls of the same caller (by number hash) or contact, newest first. */
  async previous(tx: TenantTransaction, match: { callerHash: string | null; contactId: string | null }, excludeCallId: string, limit: number): Promise<CallRecord[]> {
    if (limit === 0 || (match.callerHash === null && match.contactId === null)) return [];
    const rows: CallRow[] = await tx.manager.query(
      `${SELECT} WHERE call_id <> $1 AND ((caller_hash IS NOT NULL AND caller_hash = $2) OR (contact_id IS NOT NULL AND contact_id = $3))
       ORDER BY created_at DESC LIMIT $4`,
      [excludeCallId, match.callerHash, match.contactId, limit],
    );
    return rows.map(toRecord);
  }

  async ofContact(tx: TenantTransaction, contactId: string, limit: number, callerHashes: readonly string[]): Promise<CallRecord[]> {
    const rows: CallRow[] = await tx.manager.query(`${SELECT} WHERE contact_id = $1 OR caller_hash = ANY($2::text[]) ORDER BY created_at DESC LIMIT $3`, [contactId, callerHashes, limit]);
    return rows.map(toRecord);
  }

  /** The calls an agent has in progress (offered to it, or connected to it). */
  async activeOfAgent(tx: TenantTransaction, agentId: string): Promise<CallRecord[]> {
    const rows: CallRow[] = await tx.manager.query(
      `${SELECT} WHERE state <> 'ended' AND (agent_id = $1 OR (agent_id IS NULL AND state = 'offered' AND offered_agent_ids @> $2::jsonb)) ORDER BY created_at`,
      [agentId, JSON.stringify([agentId])],
    );
    return rows.map(toRecord);
  }
}
