import {
  addPhoneNumberRequestSchema,
  createUserRequestSchema,
  updateUserRequestSchema,
  type AddPhoneNumberRequest,
  type CreateUserRequest,
  type PhoneNumberView,
  type SeatSummary,
  type UpdateUserRequest,
  type UserView,
} from '@parley/contracts';
import { z } from 'zod';
import { seg, validatedBody, type ServiceApi } from './api-call';
import { userViewSchema } from './tenant-api.client';

const seatSummarySchema: z.ZodType<SeatSummary> = z.object({
  seatLimit: z.number().int().nonnegative(),
  seatsInUse: z.number().int().nonnegative(),
  holders: z.array(z.object({ userId: z.string(), assignedAt: z.string() })),
});

const phoneNumberViewSchema: z.ZodType<PhoneNumberView> = z.object({ id: z.string(), e164: z.string(), label: z.string().nullable(), assignedAt: z.string() });

/** The tenant service's administration API (owners and admins): users and roles, seats, phone numbers. */
export class TenantAdminClient {
  constructor(private readonly api: ServiceApi) {}

  listUsers(): Promise<UserView[]> {
    return this.api.call('GET', '/users', 200, z.array(userViewSchema));
  }

  createUser(request: CreateUserRequest): Promise<UserView> {
    return this.api.call('POST', '/users', 201, userViewSchema, validatedBody('/users', createUserRequestSchema, request));
  }

  updateUser(userId: string, request: UpdateUserRequest): Promise<UserView> {
    return this.api.call('PATCH', `/users/${seg(userId)}`, 200, userViewSchema, validatedBody('/users/:id', updateUserRequestSchema, request));
  }

  /** Releases the user's seat and ends their sessions. */
  deactivateUser(userId: string): Promise<UserView> {
    return this.api.call('POST', `/users/${seg(userId)}/deactivate`, 200, userViewSchema);
  }

  seats(): Promise<SeatSummary> {
    return this.api.call('GET', '/seats', 200, seatSummarySchema);
  }

  assignSeat(userId: string): Promise<SeatSummary> {
    return this.api.call('PUT', `/users/${seg(userId)}/seat`, 200, seatSummarySchema);
  }

  releaseSeat(userId: string): Promise<SeatSummary> {
    return this.api.call('DELETE', `/users/${seg(userId)}/seat`, 200, seatSummarySchema);
  }

  listPhoneNumbers(): Promise<PhoneNumberView[]> {
    return this.api.call('GET', '/phone-numbers', 200, z.array(phoneNumberViewSchema));
  }

  addPhoneNumber(request: AddPhoneNumberRequest): Promise<PhoneNumberView> {
    return this.api.call('POST', '/phone-numbers', 201, phoneNumberViewSchema, validatedBody('/phone-numbers', addPhoneNumberRequestSchema, request));
  }

  releasePhoneNumber(numberId: string): Promise<void> {
    return this.api.call('DELETE', `/phone-numbers/${seg(numberId)}`, 204, null);
  }
}
