import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createUserRequestSchema, updateUserRequestSchema, type CreateUserRequest, type SeatSummary, type UpdateUserRequest, type UserView } from '@parley/contracts';
import { CurrentPrincipal, CurrentTenant, Roles, type AuthPrincipal } from '@parley/auth';
import { ApiZodBody, UuidParamPipe, ZodValidationPipe } from '@parley/http';
import { SeatsService } from '../seats/seats.service';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly seats: SeatsService,
  ) {}

  @Get('users')
  @ApiOperation({ summary: "The tenant's users, with their roles and seats" })
  list(@CurrentTenant() tenantId: string): Promise<UserView[]> {
    return this.users.list(tenantId);
  }

  @Post('users')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a user (admin, supervisor or agent)' })
  @ApiZodBody(createUserRequestSchema)
  create(@CurrentTenant() tenantId: string, @Body(new ZodValidationPipe(createUserRequestSchema)) body: CreateUserRequest): Promise<UserView> {
    return this.users.create(tenantId, body);
  }

  @Get('users/:id')
  get(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string): Promise<UserView> {
    return this.users.get(tenantId, id);
  }

  @Patch('users/:id')
  @ApiOperation({ summary: "Change a user's name, role or locale" })
  @ApiZodBody(updateUserRequestSchema)
  update(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() actor: AuthPrincipal,
    @Param('id', new UuidParamPipe()) id: string,
    @Body(new ZodValidationPipe(updateUserRequestSchema)) body: UpdateUserRequest,
  ): Promise<UserView> {
    return this.users.update(tenantId, actor, id, body);
  }

  @Post('users/:id/deactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deactivate a user: releases the seat and ends the sessions' })
  deactivate(@CurrentTenant() tenantId: string, @CurrentPrincipal() actor: AuthPrincipal, @Param('id', new UuidParamPipe()) id: string): Promise<UserView> {
    return this.users.deactivate(tenantId, actor, id);
  }

  @Get('seats')
  @ApiOperation({ summary: 'Seats: the plan limit and who holds one' })
  seatSummary(@CurrentTenant() tenantId: string): Promise<SeatSummary> {
    return this.seats.summary(tenantId);
  }

  @Put('users/:id/seat')
  @ApiOperation({ summary: 'Assign an agent seat to the user' })
  assignSeat(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string): Promise<SeatSummary> {
    return this.seats.assign(tenantId, id);
  }

  @Delete('users/:id/seat')
  @ApiOperation({ summary: "Release the user's agent seat" })
  releaseSeat(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string): Promise<SeatSummary> {
    return this.seats.release(tenantId, id);
  }
}
