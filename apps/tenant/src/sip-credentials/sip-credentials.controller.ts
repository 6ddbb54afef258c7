import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SipCredentials } from '@parley/contracts';
import { CurrentUser, type UserPrincipal } from '@parley/auth';
import { SipCredentialsService } from './sip-credentials.service';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents/me')
export class SipCredentialsController {
  constructor(private readonly credentials: SipCredentialsService) {}

  @Post('sip-credentials')
  @HttpCode(201)
  @ApiOperation({ summary: 'Short-lived SIP credentials for the softphone (needs an agent seat)' })
  issue(@CurrentUser() user: UserPrincipal): Promise<SipCredentials> {
    return this.credentials.issue(user);
  }
}
