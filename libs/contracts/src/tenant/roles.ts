import { z } from 'zod';

/** Roles, from most to least privileged. */
export const ROLES = ['owner', 'admin', 'supervisor', 'agent'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;
