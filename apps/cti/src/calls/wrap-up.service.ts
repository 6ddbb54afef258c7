import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type AuthPrincipal } from '@parley/auth';
import { ctiCallWrappedUpV1, type TicketView, type WrapUpRequest, type WrapUpView } from '@parley/contracts';
import { createEnvelope, Outbox } from '@parley/messaging';
import { type UnitOfWork } from '@parley/persistence';
import { withLogContext } from '@parley/telemetry';
import { CTI_CLOCK, CTI_LOGGER, CTI_SCHEMA, CTI_UNIT_OF_WORK, type CtiClock, type CtiLogger } from '../cti.tokens';
import { DispositionsRepository } from '../dispositions/dispositions.repository';
import { badField, userOf } from '../http/cti-http';
import { TicketsService } from '../tickets/tickets.service';
import { CallsRepository } from './calls.repository';

/**
 * The agent's wrap-up of a call: an active disposition code, notes, and optionally a ticket created
 * or updated with it — one transaction, which also queues `cti.call.wrapped-up.v1` in the outbox.
 * A call is wrapped up once, by its agent.
 */
@Injectable()
export class WrapUpService {
  private readonly outbox = new Outbox(CTI_SCHEMA);

  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_CLOCK) private readonly clock: CtiClock,
    @Inject(CTI_LOGGER) private readonly logger: CtiLogger,
    private readonly calls: CallsRepository,
    private readonly dispositions: DispositionsRepository,
    private readonly tickets: TicketsService,
  ) {}

  wrapUp(tenantId: string, principal: AuthPrincipal, callId: string, request: WrapUpRequest): Promise<WrapUpView> {
    const agentId = userOf(principal, 'Wrapping up a call');
    return withLogContext({ tenantId, callId }, () =>
      this.uow.inTenant(tenantId, async (tx) => {
        const call = await this.calls.find(tx, callId, true);
        if (!call) throw new NotFoundException(`call ${callId} not found`);
        // Each agent who had the call wraps up their own part of it (a transferred call has several).
        const part = await this.calls.agentPart(tx, callId, agentId);
        if (!part) {
          if (call.agentId === null) throw new ConflictException(`call ${callId} was never connected to an agent: there is nothing to wrap up`);
          throw new ForbiddenException(`only an agent who had call ${callId} wraps it up`);
        }
        if (part.wrappedUpAt !== null) throw new ConflictException(`call ${callId} was wrapped up already by this agent (${part.wrappedUpAt.toISOString()})`);
        const disposition = await this.dispositions.find(tx, request.disposition);
        if (!disposition) throw badField('disposition', `${request.disposition} is not one of the tenant's disposition codes`);
        if (!disposition.active) throw badField('disposition', `${request.disposition} is not active`);

        let ticket: TicketView | null = null;
        if (request.ticket) {
          const { ticketId, ...fields } = request.ticket;
          if (ticketId !== undefined) {
            ticket = await this.tickets.updateIn(tx, ticketId, fields, 'ticket.');
          } else {
            const contactId = fields.contactId !== undefined ? fields.contactId : call.contactId;
            ticket = await this.tickets.createIn(tx, { ...fields, subject: fields.subject as string, contactId }, { callId, createdBy: agentId }, 'ticket.');
          }
        }
        const at = this.clock();
        await this.calls.recordWrapUp(tx, callId, { disposition: request.disposition, notes: request.notes ?? null, ticketId: ticket?.ticketId ?? null, by: agentId, at });
        await this.outbox.add(
          tx,
          createEnvelope(ctiCallWrappedUpV1, tx.tenantId, {
            tenantId: tx.tenantId,
            callId,
            agentId,
            disposition: request.disposition,
            ...(ticket ? { ticketId: ticket.ticketId } : {}),
            wrappedUpAt: at.toISOString(),
          }),
        );
        this.logger.info({ disposition: request.disposition, ticketId: ticket?.ticketId ?? null }, 'call wrapped up');
        return { callId, disposition: request.disposition, notes: request.notes ?? null, ticketId: ticket?.ticketId ?? null, wrappedUpAt: at.toISOString() };
      }),
    );
  }
}
