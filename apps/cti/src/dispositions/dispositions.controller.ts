import { Body, ConflictException, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '@parley/auth';
import {
  type CreateDispositionRequest,
  createDispositionRequestSchema,
  dispositionCodeSchema,
  type DispositionView,
  type UpdateDispositionRequest,
  updateDispositionRequestSchema,
} from '@parley/contracts';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { type UnitOfWork } from '@parley/persistence';
import { CTI_UNIT_OF_WORK } from '../cti.tokens';
import { PatternQueryPipe } from '../http/cti-http';
import { DispositionsRepository } from './dispositions.repository';

/** Disposition codes: owners and admins manage them; every role reads them (the wrap-up form). */
@ApiTags('cti')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('cti/dispositions')
export class DispositionsController {
  constructor(
    @Inject(CTI_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly dispositions: DispositionsRepository,
  ) {}

  @Get()
  @Roles('owner', 'admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'The disposition codes (active=true: only the active ones)' })
  list(@CurrentTenant() tenantId: string, @Query('active', new PatternQueryPipe('active', /^(true|false)$/, 'must be true or false')) active: string | undefined): Promise<DispositionView[]> {
    return this.uow.inTenant(tenantId, (tx) => this.dispositions.list(tx, active === 'true'));
  }

  @Post()
  @ApiOperation({ summary: 'Create a disposition code (409 when the code exists)' })
  @ApiZodBody(createDispositionRequestSchema)
  create(@CurrentTenant() tenantId: string, @Body(new ZodValidationPipe(createDispositionRequestSchema)) body: CreateDispositionRequest): Promise<DispositionView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const created = await this.dispositions.insert(tx, { code: body.code, label: body.label, active: body.active ?? true });
      if (!created) throw new ConflictException({ message: `the disposition code ${body.code} exists`, fields: [{ path: 'code', message: 'exists already' }] });
      return created;
    });
  }

  @Put(':code')
  @ApiOperation({ summary: "Change a code's label or deactivate it (calls keep the codes they were wrapped up with)" })
  @ApiZodBody(updateDispositionRequestSchema)
  update(
    @CurrentTenant() tenantId: string,
    @Param('code', new ZodValidationPipe(dispositionCodeSchema, 'code')) code: string,
    @Body(new ZodValidationPipe(updateDispositionRequestSchema)) body: UpdateDispositionRequest,
  ): Promise<DispositionView> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const updated = await this.dispositions.update(tx, code, body);
      if (!updated) throw new NotFoundException(`disposition code ${code} not found`);
      return updated;
    });
  }

  @Delete(':code')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a code (calls keep the codes they were wrapped up with)' })
  async remove(@CurrentTenant() tenantId: string, @Param('code', new ZodValidationPipe(dispositionCodeSchema, 'code')) code: string): Promise<void> {
    await this.uow.inTenant(tenantId, async (tx) => {
      if (!(await this.dispositions.delete(tx, code))) throw new NotFoundException(`disposition code ${code} not found`);
    });
  }
}
