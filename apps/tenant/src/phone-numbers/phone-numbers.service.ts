import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';
import { phoneNumberAssignedV1, phoneNumberReleasedV1, type AddPhoneNumberRequest, type PhoneNumberView } from '@parley/contracts';
import { isUniqueViolation, type UnitOfWork } from '@parley/persistence';
import { recordEvent } from '../tenant-events';
import { type Clock, TENANT_CLOCK, TENANT_UNIT_OF_WORK } from '../tenant.tokens';
import { toPhoneNumberView } from '../views';
import { PhoneNumberRepository } from './phone-number.repository';

function invalidNumber(field: string, reason: string): BadRequestException {
  return new BadRequestException({ message: `invalid body: ${field} ${reason}`, fields: [{ path: field, message: reason }] });
}

/** Normalizes a phone number to E.164 or explains why it is not one, naming the body field it came in (a DID's `e164` by default). */
export function toE164(input: string, field = 'e164'): string {
  if (!input.startsWith('+')) throw invalidNumber(field, 'must start with + and the country code, e.g. +18005550100');
  try {
    const parsed = parsePhoneNumberWithError(input);
    if (!parsed.isValid()) throw invalidNumber(field, `is not a valid phone number for ${parsed.country ?? `country code +${parsed.countryCallingCode}`}`);
    return parsed.number;
  } catch (error) {
    if (error instanceof ParseError) throw invalidNumber(field, `is not a phone number (${error.message.toLowerCase().replace(/_/g, ' ')})`);
    throw error;
  }
}

/** DIDs: a number belongs to one tenant at a time (a unique index over every tenant's active numbers). */
@Injectable()
export class PhoneNumbersService {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    private readonly numbers: PhoneNumberRepository,
  ) {}

  list(tenantId: string): Promise<PhoneNumberView[]> {
    return this.uow.inTenant(tenantId, async (tx) => (await this.numbers.listActive(tx)).map(toPhoneNumberView));
  }

  async add(tenantId: string, request: AddPhoneNumberRequest): Promise<PhoneNumberView> {
    const e164 = toE164(request.e164);
    try {
      return await this.uow.inTenant(tenantId, async (tx) => {
        const now = this.clock();
        const number = await this.numbers.insert(tx, { id: randomUUID(), e164, label: request.label ?? null, assignedAt: now });
        await recordEvent(tx, phoneNumberAssignedV1, { tenantId, numberId: number.id, e164, assignedAt: now.toISOString() });
        return toPhoneNumberView(number);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'phone_numbers_active_e164_key')) {
        throw new ConflictException({ message: `invalid body: e164 ${e164} is already assigned`, fields: [{ path: 'e164', message: 'is already assigned' }] });
      }
      throw error;
    }
  }

  release(tenantId: string, id: string): Promise<void> {
    return this.uow.inTenant(tenantId, async (tx) => {
      const number = await this.numbers.findActive(tx, id);
      if (!number) throw new NotFoundException(`phone number ${id} was not found`);
      const now = this.clock();
      await this.numbers.release(tx, id, now);
      await recordEvent(tx, phoneNumberReleasedV1, { tenantId, numberId: id, e164: number.e164, releasedAt: now.toISOString() });
    });
  }
}
