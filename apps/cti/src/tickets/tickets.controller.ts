import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import { type CreateTicketRequest, createTicketRequestSchema, ticketStatusSchema, type TicketStatus, type TicketView, type UpdateTicketRequest, updateTicketRequestSchema } from '@parley/contracts';
import { ApiZodBody, UuidParamPipe, ZodValidationPipe } from '@parley/http';
import { actorOf, IntQueryPipe, PatternQueryPipe, badField } from '../http/cti-http';
import { TicketsService } from './tickets.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tickets, for every role of the tenant. */
@ApiTags('cti')
@ApiBearerAuth()
@Roles('owner', 'admin', 'supervisor', 'agent')
@Controller('cti/tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get()
  @ApiOperation({ summary: 'Tickets, most recently changed first; filter by contactId, status (comma-separated), assigneeId' })
  list(
    @CurrentTenant() tenantId: string,
    @Query('contactId', new PatternQueryPipe('contactId', UUID, 'must be a UUID')) contactId: string | undefined,
    @Query('assigneeId', new PatternQueryPipe('assigneeId', UUID, 'must be a UUID')) assigneeId: string | undefined,
    @Query('status', new PatternQueryPipe('status', /^[a-z,]{1,40}$/, 'must be open, pending or solved (comma-separated)')) status: string | undefined,
    @Query('limit', new IntQueryPipe('limit', 1, 200, 50)) limit: number,
    @Query('offset', new IntQueryPipe('offset', 0, 100_000, 0)) offset: number,
  ): Promise<TicketView[]> {
    let statuses: TicketStatus[] | undefined;
    if (status !== undefined) {
      statuses = status.split(',').map((s) => {
        const parsed = ticketStatusSchema.safeParse(s);
        if (!parsed.success) throw badField('status', `"${s}" must be open, pending or solved`);
        return parsed.data;
      });
    }
    return this.tickets.list(tenantId, {
      ...(contactId !== undefined ? { contactId: contactId.toLowerCase() } : {}),
      ...(assigneeId !== undefined ? { assigneeId: assigneeId.toLowerCase() } : {}),
      ...(statuses !== undefined ? { statuses } : {}),
      limit,
      offset,
    });
  }

  @Post()
  @ApiOperation({ summary: 'Create a ticket' })
  @ApiZodBody(createTicketRequestSchema)
  create(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Body(new ZodValidationPipe(createTicketRequestSchema)) body: CreateTicketRequest): Promise<TicketView> {
    return this.tickets.create(tenantId, body, actorOf(principal));
  }

  @Get(':ticketId')
  @ApiOperation({ summary: 'One ticket' })
  get(@CurrentTenant() tenantId: string, @Param('ticketId', new UuidParamPipe('ticketId')) ticketId: string): Promise<TicketView> {
    return this.tickets.get(tenantId, ticketId);
  }

  @Patch(':ticketId')
  @ApiOperation({ summary: "Change a ticket's subject, status, priority, assignee, contact or description" })
  @ApiZodBody(updateTicketRequestSchema)
  update(@CurrentTenant() tenantId: string, @Param('ticketId', new UuidParamPipe('ticketId')) ticketId: string, @Body(new ZodValidationPipe(updateTicketRequestSchema)) body: UpdateTicketRequest): Promise<TicketView> {
    return this.tickets.update(tenantId, ticketId, body);
  }
}
