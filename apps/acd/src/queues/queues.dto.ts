import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { fieldErrors, type FieldError } from '@parley/http';
import { SLUG, SLUG_MESSAGE } from '../http/acd-params';
import { type QueueConfig, queueConfigSchema } from '../routing/routing-config.schema';

/** A queue configuration as the API takes it: the engine's queue configuration, without its version (every change is a new one). */
export interface QueueBody {
  config: Omit<QueueConfig, 'version'>;
  /** The version the change is based on; another change saved since answers 409. */
  baseVersion?: number;
}

/**
 * Validates a queue body with the engine's own schema (400 naming every bad field). On create the
 * body names the queue; on update the path does (a queueId in the body must match it).
 */
export class QueueBodyPipe implements PipeTransform<unknown, QueueBody> {
  constructor(private readonly pathQueueId?: string) {}

  static forUpdate(queueId: string): QueueBodyPipe {
    return new QueueBodyPipe(queueId);
  }

  transform(value: unknown): QueueBody {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new BadRequestException({ message: 'the request body must be a JSON object', fields: [{ path: '(body)', message: 'must be a JSON object' }] });
    }
    const { baseVersion, version, ...rest } = value as Record<string, unknown>;
    const fields: FieldError[] = [];
    if (version !== undefined) fields.push({ path: 'version', message: 'is set by the service: every change is a new version' });
    if (baseVersion !== undefined && (typeof baseVersion !== 'number' || !Number.isInteger(baseVersion) || baseVersion < 1)) fields.push({ path: 'baseVersion', message: 'must be a whole number from 1' });
    if (this.pathQueueId !== undefined) {
      if (rest.queueId !== undefined && rest.queueId !== this.pathQueueId) fields.push({ path: 'queueId', message: `must be the queue of the path (${this.pathQueueId}) or left out` });
      rest.queueId = this.pathQueueId;
    } else if (typeof rest.queueId === 'string' && !SLUG.test(rest.queueId)) {
      fields.push({ path: 'queueId', message: SLUG_MESSAGE });
    }
    const parsed = queueConfigSchema.safeParse({ ...rest, version: 1 }, { reportInput: true });
    if (!parsed.success) fields.push(...fieldErrors(parsed.error));
    if (fields.length > 0 || !parsed.success) {
      throw new BadRequestException({ message: `invalid body: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields });
    }
    const { version: _ignored, ...config } = parsed.data;
    return { config, ...(typeof baseVersion === 'number' ? { baseVersion } : {}) };
  }
}

/** The JSON schema of the body, for the OpenAPI document. */
export const queueBodySchema = z.object({ baseVersion: z.number().int().min(1).optional() }).loose();

export interface QueueView {
  queueId: string;
  version: number;
  config: QueueConfig;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
}

export interface QueueVersionView {
  queueId: string;
  version: number;
  config: QueueConfig;
  createdAt: string;
  createdBy: string | null;
}
