import { useState, type ReactNode } from 'react';
import { type AgentStateView, type RequestableAgentState } from '../../api/acd-api.types';
import { ApiError } from '../../api/api-error';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { type Translate } from '../../i18n/message-catalog';
import { describeError } from '../form-errors';
import { ReasonText, useBreakReasons } from './break-reasons.component';
import { type AgentLive } from './desktop.model';

/**
 * Available, break with one of the tenant's reasons (labelled in the UI language), offline: asks the
 * acd (`PUT /acd/agents/:id/state`) and shows its refusal.
 */
export function StateSelector({ agentId, agent, onChanged }: { agentId: string; agent: AgentLive | null; onChanged(view: AgentStateView): void }): ReactNode {
  const { t, locale } = useI18n();
  const { acd } = useServices();
  const reasons = useBreakReasons();
  const list = reasons.status === 'ready' ? reasons.data : [];
  const [chosen, setChosen] = useState<string | null>(null);
  // The first reason until the agent picks one (and again if the picked one left the list).
  const reason = list.find((r) => r.code === chosen)?.code ?? list[0]?.code ?? null;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const ask = (state: RequestableAgentState): void => {
    setBusy(true);
    setProblem(null);
    acd.setAgentState(agentId, state, state === 'break' ? (reason ?? undefined) : undefined).then(
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
            <ReasonText reason={agent.reason} reasons={list} />
          </>
        ) : null}
      </p>
      <div className="actions">
        <button type="button" disabled={busy} aria-pressed={current === 'available'} onClick={() => ask('available')}>
          {t('desktop.state.goAvailable')}
        </button>
        <label className="inline-form">
          {t('desktop.state.reason')}
          <select value={reason ?? ''} disabled={list.length === 0} onChange={(event) => setChosen(event.target.value)}>
            {list.map((r) => (
              <option key={r.code} value={r.code}>
                {r.labels[locale] || r.code}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" disabled={busy || reason === null} aria-pressed={current === 'break'} onClick={() => ask('break')}>
          {t('desktop.state.goBreak')}
        </button>
        <button type="button" className="secondary" disabled={busy} aria-pressed={current === 'offline'} onClick={() => ask('offline')}>
          {t('desktop.state.goOffline')}
        </button>
      </div>
      {reasons.status === 'loading' ? <p className="loading-inline">{t('app.loading')}</p> : null}
      {reasons.status === 'error' ? (
        <p role="alert" className="field__error" data-reasons-error="">
          {t('desktop.state.reasonsFailed', { error: describeError(reasons.error, t) })}
        </p>
      ) : null}
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
