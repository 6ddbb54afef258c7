import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthPrincipal, CurrentPrincipal, CurrentTenant, Roles } from '@parley/auth';
import {
  type CallView,
  type ContactPhoneInput,
  contactPhoneInputSchema,
  type ContactView,
  type CreateContactRequest,
  createContactRequestSchema,
  type RevealRequest,
  revealRequestSchema,
  type RevealView,
  type TicketView,
  type UpdateContactRequest,
  updateContactRequestSchema,
} from '@parley/contracts';
import { ApiZodBody, UuidParamPipe, ZodValidationPipe } from '@parley/http';
import { IntQueryPipe, PatternQueryPipe } from '../http/cti-http';
import { ContactsService } from './contacts.service';

/** Contacts: every role reads, creates and edits them (agents from the desktop); deleting is for supervisors and up. Numbers always masked. */
@ApiTags('cti')
@ApiBearerAuth()
@Roles('owner', 'admin', 'supervisor', 'agent')
@Controller('cti/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiOperation({ summary: 'List or search contacts: q (name or company), phone (an exact number, found by its keyed hash), tag' })
  list(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Query('q', new PatternQueryPipe('q', /^.{1,200}$/s, 'must be 1-200 characters')) q: string | undefined,
    @Query('phone', new PatternQueryPipe('phone', /^.{3,32}$/s, 'must be 3-32 characters')) phone: string | undefined,
    @Query('tag', new PatternQueryPipe('tag', /^.{1,40}$/s, 'must be 1-40 characters')) tag: string | undefined,
    @Query('limit', new IntQueryPipe('limit', 1, 200, 50)) limit: number,
    @Query('offset', new IntQueryPipe('offset', 0, 100_000, 0)) offset: number,
  ): Promise<ContactView[]> {
    return this.contacts.list(tenantId, principal, { ...(q !== undefined ? { q } : {}), ...(phone !== undefined ? { phone } : {}), ...(tag !== undefined ? { tag } : {}), limit, offset });
  }

  @Post()
  @ApiOperation({ summary: 'Create a contact (numbers with + and the country code; stored encrypted)' })
  @ApiZodBody(createContactRequestSchema)
  create(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Body(new ZodValidationPipe(createContactRequestSchema)) body: CreateContactRequest): Promise<ContactView> {
    return this.contacts.create(tenantId, principal, body);
  }

  @Get(':contactId')
  @ApiOperation({ summary: 'One contact' })
  get(@CurrentTenant() tenantId: string, @CurrentPrincipal() principal: AuthPrincipal, @Param('contactId', new UuidParamPipe('contactId')) contactId: string): Promise<ContactView> {
    return this.contacts.get(tenantId, principal, contactId);
  }

  @Patch(':contactId')
  @ApiOperation({ summary: "Change a contact's name, company, VIP level, tags or notes" })
  @ApiZodBody(updateContactRequestSchema)
  update(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('contactId', new UuidParamPipe('contactId')) contactId: string,
    @Body(new ZodValidationPipe(updateContactRequestSchema)) body: UpdateContactRequest,
  ): Promise<ContactView> {
    return this.contacts.update(tenantId, principal, contactId, body);
  }

  @Delete(':contactId')
  @Roles('owner', 'admin', 'supervisor')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a contact and its numbers (its calls and tickets stay)' })
  async remove(@CurrentTenant() tenantId: string, @Param('contactId', new UuidParamPipe('contactId')) contactId: string): Promise<void> {
    await this.contacts.remove(tenantId, contactId);
  }

  @Post(':contactId/phones')
  @ApiOperation({ summary: 'Add a number to a contact' })
  @ApiZodBody(contactPhoneInputSchema)
  addPhone(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('contactId', new UuidParamPipe('contactId')) contactId: string,
    @Body(new ZodValidationPipe(contactPhoneInputSchema)) body: ContactPhoneInput,
  ): Promise<ContactView> {
    return this.contacts.addPhone(tenantId, principal, contactId, body);
  }

  @Delete(':contactId/phones/:phoneId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a number from a contact' })
  async removePhone(
    @CurrentTenant() tenantId: string,
    @Param('contactId', new UuidParamPipe('contactId')) contactId: string,
    @Param('phoneId', new UuidParamPipe('phoneId')) phoneId: string,
  ): Promise<void> {
    await this.contacts.removePhone(tenantId, contactId, phoneId);
  }

  @Post(':contactId/phones/:phoneId/reveal')
  @HttpCode(200)
  @ApiOperation({ summary: 'The full number, for roles the tenant allows (403 otherwise); every reveal is audited' })
  @ApiZodBody(revealRequestSchema)
  reveal(
    @CurrentTenant() tenantId: string,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('contactId', new UuidParamPipe('contactId')) contactId: string,
    @Param('phoneId', new UuidParamPipe('phoneId')) phoneId: string,
    @Body(new ZodValidationPipe(revealRequestSchema)) body: RevealRequest,
  ): Promise<RevealView> {
    return this.contacts.reveal(tenantId, principal, contactId, phoneId, body.reason ?? null);
  }

  @Get(':contactId/calls')
  @ApiOperation({ summary: "The contact's calls, newest first" })
  calls(@CurrentTenant() tenantId: string, @Param('contactId', new UuidParamPipe('contactId')) contactId: string, @Query('limit', new IntQueryPipe('limit', 1, 200, 50)) limit: number): Promise<CallView[]> {
    return this.contacts.calls(tenantId, contactId, limit);
  }

  @Get(':contactId/tickets')
  @ApiOperation({ summary: "The contact's tickets, most recently changed first" })
  tickets(
    @CurrentTenant() tenantId: string,
    @Param('contactId', new UuidParamPipe('contactId')) contactId: string,
    @Query('limit', new IntQueryPipe('limit', 1, 200, 50)) limit: number,
    @Query('offset', new IntQueryPipe('offset', 0, 100_000, 0)) offset: number,
  ): Promise<TicketView[]> {
    return this.contacts.tickets(tenantId, contactId, limit, offset);
  }
}
