import { z } from 'zod';
import { SLUG, SLUG_MESSAGE } from '../http/acd-params';

const name = z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' });

export const createSkillRequestSchema = z.strictObject({
  skillId: z.string({ error: 'must be a string' }).regex(SLUG, { error: SLUG_MESSAGE }),
  name,
});
export type CreateSkillRequest = z.infer<typeof createSkillRequestSchema>;

export const renameSkillRequestSchema = z.strictObject({ name });
export type RenameSkillRequest = z.infer<typeof renameSkillRequestSchema>;

export interface SkillView {
  skillId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}
