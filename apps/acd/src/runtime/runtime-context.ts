import { type Outbox } from '@parley/messaging';
import { type UnitOfWork } from '@parley/persistence';
import { type AcdLogger } from '../acd.tokens';
import { type AgentsRepository } from '../agents/agents.repository';
import { type CallerDataCipher } from '../calls/caller-data.cipher';
import { type CallsRepository } from '../calls/calls.repository';
import { type AcdEnv } from '../config/env.schema';
import { type DecisionsRepository } from '../decisions/decisions.repository';
import { type AcdRealtime } from '../live/acd-realtime';
import { type QueuesRepository } from '../queues/queues.repository';
import { type SettingsRepository } from '../settings/settings.repository';
import { type SkillsRepository } from '../skills/skills.repository';
import { type DailyStatsRepository } from '../stats/daily-stats.repository';
import { type AcdMetrics } from './acd-metrics';
import { type RoutingInputsRepository } from './routing-inputs.repository';

/** What a tenant's runtime needs from the instance that hosts it. */
export interface RuntimeContext {
  config: AcdEnv;
  uow: UnitOfWork;
  realtime: AcdRealtime;
  cipher: CallerDataCipher;
  logger: AcdLogger;
  metrics: AcdMetrics;
  outbox: Outbox;
  calls: CallsRepository;
  skills: SkillsRepository;
  queues: QueuesRepository;
  agents: AgentsRepository;
  settings: SettingsRepository;
  decisions: DecisionsRepository;
  inputs: RoutingInputsRepository;
  daily: DailyStatsRepository;
}
