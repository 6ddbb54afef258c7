import { Body, Controller, ForbiddenException, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal, Roles } from '@parley/auth';
import { CTI_WS_PATH, type WsTicketRequest, wsTicketRequestSchema, type WsTicketView } from '@parley/contracts';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { type UnitOfWork } from '@parley/persistence';
import { type CtiEnv } from '../config/env.schema';
import { CTI_CLOCK, CTI_CONFIG, CTI_REALTIME, CTI_UNIT_OF_WORK, type CtiClock } from '../cti.tokens';
import { isSupervising, userOf } from '../http/cti-http';
import { type CtiRealtime } from '../realtime/cti-realtime.port';
import { SeatsRepository } from '../seats/seats.repository';

/**
 * One-time tickets for the desktop WebSocket: a browser cannot put the access token in a WebSocket
 * handshake's headers, so it trades it here for a ticket that works once, within seconds.
 */
@ApiTags('cti')
@ApiBearerAuth()
@Roles('owner', 'admin', 'supervisor', 'agent')
@Controller('cti/ws-tickets')
export class WsTicketsController {
  constructor(
    @Inject(CTI_CONFIG) private readonly config: CtiEnv,
    @Inject(CTI_REALTIME) private readonly realtime: CtiRealtime,
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CTI_CLOCK) private readonly clock: CtiClock,
    private readonly seats: SeatsRepository,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'A ticket for /api/v1/cti/ws?ticket=... (single use, valid 30 s). mode agent needs a seat; mode supervisor a supervising role' })
  @ApiZodBody(wsTicketRequestSchema)
  async issue(@CurrentPrincipal() principal: AuthPrincipal, @Body(new ZodValidationPipe(wsTicketRequestSchema)) body: WsTicketRequest): Promise<WsTicketView> {
    const userId = userOf(principal, 'A desktop');
    const mode = body.mode ?? (principal.role === 'agent' ? 'agent' : 'supervisor');
    if (mode === 'supervisor' && !isSupervising(principal.role)) throw new ForbiddenException(`the role ${principal.role} may not open a supervisor desktop`);
    if (mode === 'agent' && !(await this.uow.inTenant(principal.tenantId, (tx) => this.seats.hasSeat(tx, userId)))) {
      throw new ForbiddenException(`user ${userId} has no agent seat: working as an agent needs one`);
    }
    const ttl = this.config.CTI_WS_TICKET_TTL_SECONDS;
    const ticket = await this.realtime.tickets.issue({ tenantId: principal.tenantId.toLowerCase(), userId, role: principal.role, mode }, ttl);
    return { ticket, expiresAt: new Date(this.clock().getTime() + ttl * 1000).toISOString(), path: CTI_WS_PATH, mode };
  }
}
