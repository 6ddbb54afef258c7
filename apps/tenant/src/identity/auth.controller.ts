import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { loginRequestSchema, refreshRequestSchema, type LoginRequest, type RefreshRequest, type TokenPair, type UserView } from '@parley/contracts';
import { CurrentUser, Public, type UserPrincipal } from '@parley/auth';
import { ApiZodBody, ZodValidationPipe } from '@parley/http';
import { UsersService } from '../users/users.service';
import { LoginService } from './login.service';
import { SessionService } from './session.service';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly logins: LoginService,
    private readonly sessions: SessionService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with company slug, email and password' })
  @ApiZodBody(loginRequestSchema)
  login(@Body(new ZodValidationPipe(loginRequestSchema)) body: LoginRequest): Promise<TokenPair> {
    return this.logins.login(body);
  }

  @Public()
  @Post('auth/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Trade a refresh token for new tokens (the refresh token rotates)' })
  @ApiZodBody(refreshRequestSchema)
  refresh(@Body(new ZodValidationPipe(refreshRequestSchema)) body: RefreshRequest): Promise<TokenPair> {
    return this.sessions.refresh(body.refreshToken);
  }

  @Public()
  @Post('auth/logout')
  @HttpCode(204)
  @ApiOperation({ summary: "End the refresh token's session" })
  @ApiZodBody(refreshRequestSchema)
  async logout(@Body(new ZodValidationPipe(refreshRequestSchema)) body: RefreshRequest): Promise<void> {
    await this.sessions.logout(body.refreshToken);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user' })
  me(@CurrentUser() user: UserPrincipal): Promise<UserView> {
    return this.users.get(user.tenantId, user.userId);
  }
}
