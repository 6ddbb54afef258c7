import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { addPhoneNumberRequestSchema, type AddPhoneNumberRequest, type PhoneNumberView } from '@parley/contracts';
import { CurrentTenant, Roles } from '@parley/auth';
import { ApiZodBody, UuidParamPipe, ZodValidationPipe } from '@parley/http';
import { PhoneNumbersService } from './phone-numbers.service';

@ApiTags('phone-numbers')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('phone-numbers')
export class PhoneNumbersController {
  constructor(private readonly numbers: PhoneNumbersService) {}

  @Get()
  @Roles('owner', 'admin', 'supervisor')
  list(@CurrentTenant() tenantId: string): Promise<PhoneNumberView[]> {
    return this.numbers.list(tenantId);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a DID (E.164) to the tenant' })
  @ApiZodBody(addPhoneNumberRequestSchema)
  add(@CurrentTenant() tenantId: string, @Body(new ZodValidationPipe(addPhoneNumberRequestSchema)) body: AddPhoneNumberRequest): Promise<PhoneNumberView> {
    return this.numbers.add(tenantId, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Release a DID' })
  release(@CurrentTenant() tenantId: string, @Param('id', new UuidParamPipe()) id: string): Promise<void> {
    return this.numbers.release(tenantId, id);
  }
}
