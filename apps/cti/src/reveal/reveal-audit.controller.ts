import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '@parley/auth';
import { type RevealAuditView } from '@parley/contracts';
import { type UnitOfWork } from '@parley/persistence';
import { UuidParamPipe } from '@parley/http';
import { CTI_UNIT_OF_WORK } from '../cti.tokens';
import { IntQueryPipe, PatternQueryPipe } from '../http/cti-http';
import { RevealAuditRepository } from './reveal-audit.repository';

/** The audit of reveals: who saw which full number, when and why. Owners and admins only. */
@ApiTags('cti')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('cti/reveal-audit')
export class RevealAuditController {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly audit: RevealAuditRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Reveals, newest first; page with before=<id>; filter by userId' })
  list(
    @CurrentTenant() tenantId: string,
    @Query('limit', new IntQueryPipe('limit', 1, 500, 100)) limit: number,
    @Query('before', new PatternQueryPipe('before', /^[1-9][0-9]{0,17}$/, 'must be an audit id')) before: string | undefined,
    @Query('userId', new PatternQueryPipe('userId', /^.+$/, 'must be a UUID')) userId: string | undefined,
  ): Promise<RevealAuditView[]> {
    const user = userId !== undefined ? new UuidParamPipe('userId').transform(userId) : undefined;
    return this.uow.inTenant(tenantId, (tx) => this.audit.list(tx, { limit, ...(before !== undefined ? { before } : {}), ...(user !== undefined ? { userId: user } : {}) }));
  }
}
