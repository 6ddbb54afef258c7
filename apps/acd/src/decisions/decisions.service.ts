import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { ACD_UNIT_OF_WORK } from '../acd.tokens';
import { type DecisionInputs, type DecisionOutcome, replayDecision } from '../routing/routing-decision.ranking';
import { DecisionsRepository, type StoredDecision } from './decisions.repository';

export interface DecisionView {
  decisionId: string;
  decidedAt: string;
  kind: 'agent-for-call' | 'call-for-agent';
  /** What made the engine decide: the call arrived, an agent became free, an offer ended... */
  trigger: string;
  queueId: string;
  /** The queue configuration version the decision used (GET /acd/queues/{id}/versions/{version}). */
  queueVersion: number;
  /** The agents offered the call. */
  agentIds: string[];
  /** In words: who, and what settled it. */
  summary: string;
  /** The first ranking key on which the best two candidates differ, and the keys they tied on before it. */
  decidedBy: string | null;
  tiedOn: string[];
  /** Every candidate, best first, with its score and the factors behind it. */
  ranked: DecisionOutcome['ranked'];
  inputs: DecisionInputs;
  outcome: DecisionOutcome;
}

export interface DecisionsView {
  callId: string;
  decisions: DecisionView[];
}

export interface ReplayView {
  callId: string;
  /** Every stored decision recomputed from its stored inputs gives the stored outcome. */
  matches: boolean;
  decisions: { decisionId: string; matches: boolean; differences: string[] }[];
}

function summaryOf(d: StoredDecision): string {
  const outcome = d.outcome;
  const by = outcome.decidedBy === null ? 'the only candidate' : `decided by ${outcome.decidedBy}${outcome.tiedOn.length > 0 ? ` after ties on ${outcome.tiedOn.join(', ')}` : ''}`;
  if (outcome.kind === 'agent-for-call') {
    return `call ${d.callId} offered to ${outcome.chosenAgentIds.join(', ')} out of ${outcome.ranked.length} candidate${outcome.ranked.length === 1 ? '' : 's'} (${d.inputs.kind === 'agent-for-call' ? d.inputs.queue.strategy : ''}, ${by})`;
  }
  return `agent ${d.agentIds.join(', ')} took call ${outcome.chosenCallId} out of ${outcome.ranked.length} waiting call${outcome.ranked.length === 1 ? '' : 's'} (${by})`;
}

/** Paths at which two JSON values differ (first 20). */
export function differences(expected: unknown, actual: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 20) return out;
  if (Object.is(expected, actual)) return out;
  if (typeof expected !== 'object' || typeof actual !== 'object' || expected === null || actual === null || Array.isArray(expected) !== Array.isArray(actual)) {
    out.push(`${path || '(root)'}: stored ${JSON.stringify(expected)}, replayed ${JSON.stringify(actual)}`);
    return out;
  }
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const key of keys) differences((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], path ? `${path}.${key}` : key, out);
  return out;
}

/** "Why this agent": the stored decisions of a call, explained, and replayed from their stored inputs. */
@Injectable()
export class DecisionsService {
  constructor(
    @Inject(ACD_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    private readonly decisions: DecisionsRepository,
  ) {}

  async explain(tenantId: string, callId: string): Promise<DecisionsView> {
    const stored = await this.load(tenantId, callId);
    return {
      callId,
      decisions: stored.map((d) => ({
        decisionId: d.decisionId,
        decidedAt: new Date(d.decidedAt).toISOString(),
        kind: d.kind,
        trigger: d.trigger,
        queueId: d.queueId,
        queueVersion: d.queueVersion,
        agentIds: d.agentIds,
        summary: summaryOf(d),
        decidedBy: d.outcome.decidedBy,
        tiedOn: d.outcome.tiedOn,
        ranked: d.outcome.ranked,
        inputs: d.inputs,
        outcome: d.outcome,
      })),
    };
  }

  async replay(tenantId: string, callId: string): Promise<ReplayView> {
    const stored = await this.load(tenantId, callId);
    const decisions = stored.map((d) => {
      const replayed = replayDecision(d.inputs);
      const diff = differences(JSON.parse(JSON.stringify(d.outcome)), JSON.parse(JSON.stringify(replayed)));
      return { decisionId: d.decisionId, matches: diff.length === 0, differences: diff };
    });
    return { callId, matches: decisions.every((d) => d.matches), decisions };
  }

  private async load(tenantId: string, callId: string): Promise<StoredDecision[]> {
    const stored = await this.uow.inTenant(tenantId, (tx) => this.decisions.forCall(tx, callId));
    if (stored.length === 0) throw new NotFoundException(`no routing decision was made for call ${callId}`);
    return stored;
  }
}
