import { useState, type ReactNode } from 'react';
import { type AgentStateView, type RequestableAgentState } from '../../api/acd-api.types';
import { ApiError } from '../../api/api-error';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { type Translate } from '../../i18n/message-catalog';
import { describeError } from '../form-errors';
import { Data } from '../form/fields.component';
import { type AgentLive } from './desktop.model';

/**
 * Break reason codes the desktop offers (the acd takes any lower-case code; the tenant has no list
 * of its own yet). `missed-offers` is the engine's, set after too many unanswered offers.
 */
export const BREAK_REASONS = ['lunch', 'short-break', 'training', 'meeting', 'coaching'] as const;
type BreakReason = (typeof BREAK_REASONS)[number];

const KNOWN_REASONS: ReadonlySet<string> = new Set([...BREAK_REASONS, 'missed-offers']);

/** A break reason in words: the known codes translated, any other shown as the code. */
export function ReasonText({ reason }: { reason: string }): ReactNode {
  const { t } = useI18n();
  return KNOWN_REASONS.has(reason) ? t(`breakReason.${reason as BreakReason | 'missed-offers'}`) : <Data>{reason}</Data>;
}

/** Available, break with a reason, offline: asks the acd (`PUT /acd/agents/:id/state`) and shows its refusal. */
export function StateSelector({ agentId, agent, onChanged }: { agentId: string; agent: AgentLive | null; onChanged(view: AgentStateView): void }): ReactNode {
  const { t } = useI18n();
  const { acd } = useServices();
  const [reason, setReason] = useState<BreakReason>('lunch');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const ask = (state: RequestableAgentState): void => {
    setBusy(true);
    setProblem(null);
    acd.setAgentState(agentId, state, state === 'break' ? reason : undefined).then(
      (view) => {
        setBusy(false);
        onChanged(view);
      },
      (error: unknown) => {
        setBusy(false);
        setProblem(stateError(error, agent, state, t));
      },
    );
  };

  const current = agent?.state ?? null;
  return (
    <section className="panel desk-state" aria-labelledby="desk-state-title">
      <h2 id="desk-state-title">{t('desktop.state.title')}</h2>
      <p data-agent-state={current ?? ''}>
        {current ? t(`agentState.${current}`) : t('app.loading')}
        {agent?.reason ? (
          <>
            {' · '}
            <ReasonText reason={agent.reason} />
          </>
        ) : null}
      </p>
      <div className="actions">
        <button type="button" disabled={busy} aria-pressed={current === 'available'} onClick={() => ask('available')}>
          {t('desktop.state.goAvailable')}
        </button>
        <label className="inline-form">
          {t('desktop.state.reason')}
          <select value={reason} onChange={(event) => setReason(event.target.value as BreakReason)}>
            {BREAK_REASONS.map((code) => (
              <option key={code} value={code}>
                {t(`breakReason.${code}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" disabled={busy} aria-pressed={current === 'break'} onClick={() => ask('break')}>
          {t('desktop.state.goBreak')}
        </button>
        <button type="button" className="secondary" disabled={busy} aria-pressed={current === 'offline'} onClick={() => ask('offline')}>
          {t('desktop.state.goOffline')}
        </button>
      </div>
      {problem ? (
        <p role="alert" className="field__error" data-state-error="">
          {problem}
        </p>
      ) : null}
    </section>
  );
}

function stateError(error: unknown, agent: AgentLive | null, to: RequestableAgentState, t: Translate): string {
  if (error instanceof ApiError && error.status === 409) {
    return t('desktop.state.conflict', { from: agent ? t(`agentState.${agent.state}`) : '—', to: t(`agentState.${to}`) });
  }
  return describeError(error, t);
}
