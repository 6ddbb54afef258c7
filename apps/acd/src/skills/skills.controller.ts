import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { SlugParamPipe } from '../http/acd-params';
import { type CreateSkillRequest, createSkillRequestSchema, type RenameSkillRequest, renameSkillRequestSchema, type SkillView } from './skills.dto';
import { SkillsService } from './skills.service';

/** Skills: owners and admins define them; supervisors read them. */
@ApiTags('acd')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('acd/skills')
export class SkillsController {
  constructor(private readonly skills: SkillsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Define a skill (409 when the id is taken)' })
  @ApiZodBody(createSkillRequestSchema)
  create(@CurrentTenant() tenantId: string, @Body(new ZodValidationPipe(createSkillRequestSchema)) body: CreateSkillRequest): Promise<SkillView> {
    return this.skills.create(tenantId, body);
  }

  @Get()
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: "The tenant's skills" })
  list(@CurrentTenant() tenantId: string): Promise<SkillView[]> {
    return this.skills.list(tenantId);
  }

  @Get(':skillId')
  @Roles('owner', 'admin', 'supervisor')
  @ApiOperation({ summary: 'One skill' })
  get(@CurrentTenant() tenantId: string, @Param('skillId', new SlugParamPipe('skillId')) skillId: string): Promise<SkillView> {
    return this.skills.get(tenantId, skillId);
  }

  @Put(':skillId')
  @ApiOperation({ summary: 'Rename a skill' })
  @ApiZodBody(renameSkillRequestSchema)
  rename(@CurrentTenant() tenantId: string, @Param('skillId', new SlugParamPipe('skillId')) skillId: string, @Body(new ZodValidationPipe(renameSkillRequestSchema)) body: RenameSkillRequest): Promise<SkillView> {
    return this.skills.rename(tenantId, skillId, body.name);
  }
}
