import { BadRequestException } from '@nestjs/common';
import { QueueBodyPipe } from './queues.dto';

const fieldsOf = (work: () => unknown): { path: string; message: string }[] => {
  try {
    work();
  } catch (error) {
    if (error instanceof BadRequestException) return (error.getResponse() as { fields: { path: string; message: string }[] }).fields;
    throw error;
  }
  throw new Error('the pipe accepted the body');
};

const body = { queueId: 'sales', name: 'Sales', strategy: 'longest-idle', serviceLevel: { percent: 80, thresholdSeconds: 20 } };

describe('QueueBodyPipe', () => {
  it('takes a queue configuration without its version, with the engine schema defaults', () => {
    expect(new QueueBodyPipe().transform(body)).toEqual({
      config: expect.objectContaining({ queueId: 'sales', offerTimeoutSeconds: 20, maxMissedOffers: 3, afterCallWorkSeconds: 0, requiredSkills: [], overflowSteps: [] }),
    });
    expect(new QueueBodyPipe().transform(body).config).not.toHaveProperty('version');
    expect(QueueBodyPipe.forUpdate('sales').transform({ ...body, queueId: undefined, baseVersion: 4 })).toMatchObject({ baseVersion: 4, config: { queueId: 'sales' } });
  });

  it('names every bad field: the version is the service’s, the path names the queue on update, and the engine’s own rules apply', () => {
    expect(fieldsOf(() => new QueueBodyPipe().transform({ ...body, version: 2, baseVersion: 0 })).map((f) => f.path)).toEqual(['version', 'baseVersion']);
    expect(fieldsOf(() => QueueBodyPipe.forUpdate('sales').transform({ ...body, queueId: 'support' }))).toEqual([{ path: 'queueId', message: 'must be the queue of the path (sales) or left out' }]);
    expect(fieldsOf(() => new QueueBodyPipe().transform({ ...body, queueId: 'Sales Team' })).map((f) => f.path)).toContain('queueId');
    expect(fieldsOf(() => new QueueBodyPipe().transform({ ...body, overflow: { kind: 'queue', queueId: 'sales' }, maxWaitSeconds: 30 }))).toEqual([
      { path: 'overflow.queueId', message: 'a queue cannot overflow into itself' },
    ]);
    expect(fieldsOf(() => new QueueBodyPipe().transform([body]))).toEqual([{ path: '(body)', message: 'must be a JSON object' }]);
  });
});
