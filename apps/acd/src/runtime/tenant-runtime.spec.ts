import { type AgentRecord } from '../agents/agents.repository';
import { queueConfigSchema, type QueueConfig } from '../routing/routing-config.schema';
import { engineAgentConfig, orderByOverflow } from './tenant-runtime';

const queue = (queueId: string, overflowTo?: string): QueueConfig =>
  queueConfigSchema.parse({
    queueId,
    version: 1,
    name: queueId,
    strategy: 'longest-idle',
    serviceLevel: { percent: 80, thresholdSeconds: 20 },
    ...(overflowTo ? { maxWaitSeconds: 60, overflow: { kind: 'queue', queueId: overflowTo } } : {}),
  });

describe('orderByOverflow', () => {
  it('puts every overflow target before the queues that overflow into it (the engine refuses an unknown target)', () => {
    const ordered = orderByOverflow([queue('a', 'b'), queue('c'), queue('b', 'c'), queue('d', 'a')]).map((q) => q.queueId);
    expect(ordered).toEqual(['c', 'b', 'a', 'd']);
    // A target that does not exist is left to the engine to refuse; a loop does not hang.
    expect(orderByOverflow([queue('x', 'missing')]).map((q) => q.queueId)).toEqual(['x']);
    expect(orderByOverflow([queue('p', 'q'), queue('q', 'p')]).map((q) => q.queueId).sort()).toEqual(['p', 'q']);
  });
});

describe('engineAgentConfig', () => {
  const record: AgentRecord = {
    agentId: '7d7c2b3e-6f0c-4f57-9a53-1c1d2c3b4a5f',
    version: 4,
    hasSeat: true,
    skills: [
      { skillId: 'billing', proficiency: 3 },
      { skillId: 'deleted', proficiency: 5 },
    ],
    queueIds: ['sales', 'gone'],
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };

  it('gives the engine only the skills and queues it knows, and no queue to an agent without a seat', () => {
    const queues = new Map([['sales', queue('sales')]]);
    expect(engineAgentConfig(record, new Set(['billing']), queues)).toEqual({ agentId: record.agentId, version: 4, skills: [{ skillId: 'billing', proficiency: 3 }], queues: ['sales'] });
    expect(engineAgentConfig({ ...record, hasSeat: false }, new Set(['billing']), queues).queues).toEqual([]);
  });
});
