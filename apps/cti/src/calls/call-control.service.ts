import { randomUUID } from 'node:crypto';
import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type AuthPrincipal } from '@parley/auth';
import { type CallCommandView, type ConferenceRequest, type ConsultRequest, type TransferRequest, type VoiceCommand, voiceCommandIssuedV1 } from '@parley/contracts';
import { createEnvelope, Outbox } from '@parley/messaging';
import { type UnitOfWork } from '@parley/persistence';
import { withLogContext } from '@parley/telemetry';
import { CTI_COMMAND_ISSUER, CTI_LOGGER, CTI_METRICS, CTI_SCHEMA, CTI_UNIT_OF_WORK, type CtiLogger } from '../cti.tokens';
import { badField, isSupervising, userOf } from '../http/cti-http';
import { InvalidPhoneNumberError, toE164 } from '../phone/phone-number';
import { type CtiMetrics } from '../runtime/cti-metrics';
import { type CallRecord, CallsRepository } from './calls.repository';

type Command = CallCommandView['command'];

/**
 * Call control from the desktop: each command is checked (the principal is the call's agent, or a
 * supervisor / admin / owner of the tenant; monitoring is for those only) and goes to voice through
 * the outbox as `voice.command.issued.v1`, keyed by the voice call so commands stay in order.
 * Sending DTMF is not here: voice has no command for it, and the agent's softphone sends its own
 * digits (RFC 4733) on its leg.
 */
@Injectable()
export class CallControlService {
  private readonly outbox = new Outbox(CTI_SCHEMA);

  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_LOGGER) private readonly logger: CtiLogger,
    @Inject(CTI_METRICS) private readonly metrics: CtiMetrics,
    private readonly calls: CallsRepository,
  ) {}

  hold(tenantId: string, principal: AuthPrincipal, callId: string, on: boolean): Promise<CallCommandView> {
    return this.issue(tenantId, principal, callId, 'hold', { needsAgent: true, supervisorOnly: false }, () => ({ type: 'hold', on }));
  }

  transfer(tenantId: string, principal: AuthPrincipal, callId: string, request: TransferRequest): Promise<CallCommandView> {
    const target = partyOf(request.target);
    return this.issue(tenantId, principal, callId, 'transfer', { needsAgent: true, supervisorOnly: false }, (call) => ({ type: 'transfer', target: notTheAgent(target, call) }));
  }

  /** Attended transfer, step 1: the caller waits on hold while the agent talks to the target. */
  consult(tenantId: string, principal: AuthPrincipal, callId: string, request: ConsultRequest): Promise<CallCommandView> {
    const target = partyOf(request.target);
    return this.issue(tenantId, principal, callId, 'consult', { needsAgent: true, supervisorOnly: false }, (call) => ({ type: 'consult', target: notTheAgent(target, call), ringTimeoutMs: 30_000 }));
  }

  /** The agent leaves; the caller goes on with the consulted party. */
  completeConsult(tenantId: string, principal: AuthPrincipal, callId: string): Promise<CallCommandView> {
    return this.issue(tenantId, principal, callId, 'consult-complete', { needsAgent: true, supervisorOnly: false }, () => ({ type: 'consult-complete' }));
  }

  /** The consulted (or conferenced) party is hung up; the caller is back with the agent. */
  cancelConsult(tenantId: string, principal: AuthPrincipal, callId: string): Promise<CallCommandView> {
    return this.issue(tenantId, principal, callId, 'consult-cancel', { needsAgent: true, supervisorOnly: false }, () => ({ type: 'consult-cancel' }));
  }

  /** Three-way conference: the consulted party joins, or the target is dialled and joins. */
  conference(tenantId: string, principal: AuthPrincipal, callId: string, request: ConferenceRequest): Promise<CallCommandView> {
    const target = request.target === undefined ? undefined : partyOf(request.target);
    return this.issue(tenantId, principal, callId, 'conference', { needsAgent: true, supervisorOnly: false }, (call) => ({
      type: 'conference',
      ...(target !== undefined ? { target: notTheAgent(target, call) } : {}),
      ringTimeoutMs: 30_000,
    }));
  }

  hangup(tenantId: string, principal: AuthPrincipal, callId: string, reason: string | undefined): Promise<CallCommandView> {
    return this.issue(tenantId, principal, callId, 'hangup', { needsAgent: true, supervisorOnly: false }, () => ({ type: 'hangup', ...(reason !== undefined ? { reason } : {}) }));
  }

  monitor(tenantId: string, principal: AuthPrincipal, callId: string, mode: 'listen' | 'whisper' | 'barge'): Promise<CallCommandView> {
    const supervisorId = userOf(principal, 'Monitoring a call');
    return this.issue(tenantId, principal, callId, 'monitor', { needsAgent: true, supervisorOnly: true }, () => ({ type: 'monitor', supervisorId, mode }));
  }

  private issue(
    tenantId: string,
    principal: AuthPrincipal,
    callId: string,
    name: Command,
    rules: { needsAgent: boolean; supervisorOnly: boolean },
    build: (call: CallRecord) => VoiceCommand,
  ): Promise<CallCommandView> {
    return withLogContext({ tenantId, callId }, () =>
      this.uow.inTenant(tenantId, async (tx) => {
        const call = await this.calls.find(tx, callId, true);
        const supervising = isSupervising(principal.role);
        if (!call) throw new NotFoundException(`call ${callId} not found`);
        if (rules.supervisorOnly && !supervising) throw new ForbiddenException(`${name} is for supervisors, admins and owners`);
        if (!supervising && call.agentId !== userOf(principal, `The ${name} command`)) throw new ForbiddenException(`call ${callId} is not connected to you: only its agent or a supervisor may ${name} it`);
        if (call.state === 'ended') throw new ConflictException(`call ${callId} has ended`);
        if (rules.needsAgent && (call.agentId === null || (call.state !== 'connected' && call.state !== 'held'))) {
          throw new ConflictException(`call ${callId} is ${call.state}, not connected to an agent: ${name} needs a connected call`);
        }
        const command = build(call);
        const commandId = randomUUID();
        const voiceCallId = call.voiceCallId ?? call.callId;
        await this.outbox.add(tx, createEnvelope(voiceCommandIssuedV1, tx.tenantId, { callId: voiceCallId, commandId, issuedBy: CTI_COMMAND_ISSUER, command }, { id: commandId }));
        this.metrics.commands.inc({ command: name });
        this.logger.info({ command: name, commandId, by: principal.kind === 'user' ? principal.userId : principal.apiKeyId }, 'voice command issued');
        return { callId, commandId, command: name };
      }),
    );
  }
}

type PartyTarget = Extract<VoiceCommand, { type: 'transfer' }>['target'];

/** A transfer, consultation or conference target as voice takes it (numbers normalized to E.164). */
function partyOf(target: TransferRequest['target']): PartyTarget {
  if (target.kind === 'agent') return { kind: 'agent', agentId: target.agentId.toLowerCase() };
  try {
    return { kind: 'number', number: toE164(target.number) };
  } catch (error) {
    if (error instanceof InvalidPhoneNumberError) throw badField('target.number', error.message);
    throw error;
  }
}

function notTheAgent(target: PartyTarget, call: CallRecord): PartyTarget {
  if (target.kind === 'agent' && target.agentId === call.agentId) throw badField('target.agentId', 'is the agent already on the call');
  return target;
}
