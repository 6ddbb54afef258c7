import { z } from 'zod';

/** Request and response bodies of the numbers API (/api/v1/ivr/numbers). */

export const bindNumberRequestSchema = z.strictObject({
  flowId: z.uuid({ error: 'must be a flow id (a UUID)' }),
  /** A published version pinned for good, or "latest": each new call takes the newest published version. */
  version: z.union([z.literal('latest'), z.number().int().positive()], { error: 'must be "latest" or a published version number (1, 2, ...)' }),
});
export type BindNumberRequest = z.infer<typeof bindNumberRequestSchema>;

export interface BindingView {
  numberId: string;
  flowId: string;
  flowName: string;
  version: number | 'latest';
  /** The version a call arriving now runs. */
  resolvedVersion: number;
  updatedAt: string;
}

/** A phone number of the tenant (as the tenant service announced it) and the flow that answers it. */
export interface IvrNumberView {
  numberId: string;
  e164: string;
  assignedAt: string | null;
  binding: BindingView | null;
}
