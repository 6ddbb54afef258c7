import { type UserView, type WrapUpRequest } from '@parley/contracts';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type Dispatch, type ReactNode } from 'react';
import { type AgentStateView } from '../../api/acd-api.types';
import { ApiError } from '../../api/api-error';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { type LiveFeedStatus } from '../../live/live-feed';
import { type PhoneSnapshot } from '../../softphone/phone';
import { describeError } from '../form-errors';
import { useLoad } from '../form/use-load';
import { formatDuration, useNow } from '../supervisor/use-now';
import { InCallPanel, RingingPanel } from './call-panels.component';
import { desktopView, initialDesktop, reduceDesktop, type DesktopEvent, type DesktopState } from './desktop.model';
import { ConnectionStatus, DevicePicker } from './phone-status.component';
import { ScreenPopPanel } from './screen-pop.panel';
import { StateSelector } from './state-selector.component';
import { WrapUpForm } from './wrap-up.form';

/**
 * The agent desktop. A takeover by another desktop of the same agent stops this one; the agent may
 * take it back here (a new phone registration and feed, which in turn replace the other desktop).
 */
export function AgentDesktopPage({ user }: { user: UserView }): ReactNode {
  const [round, setRound] = useState(0);
  return <AgentDesktop key={round} agentId={user.id} onTakeBack={() => setRound((r) => r + 1)} />;
}

function AgentDesktop({ agentId, onTakeBack }: { agentId: string; onTakeBack(): void }): ReactNode {
  const { t } = useI18n();
  const services = useServices();
  const { acd, cti, openLiveFeed, openPhone } = services;
  const [state, dispatch] = useReducer(reduceDesktop, agentId, initialDesktop);
  const phone = useMemo(() => openPhone(), [openPhone]);
  const [phoneState, setPhoneState] = useState<PhoneSnapshot>(() => phone.snapshot());
  const [feedStatus, setFeedStatus] = useState<LiveFeedStatus>('connecting');
  const [loadError, setLoadError] = useState<unknown>(null);
  const clock = services.now;
  const now = useNow(clock);

  const loadCodes = useCallback(() => cti.listDispositionCodes(), [cti]);
  const codes = useLoad(loadCodes);

  // The agent's state now; pushes keep it current from here on.
  useEffect(() => {
    let current = true;
    acd.agentState(agentId).then(
      (view) => current && dispatch({ kind: 'agent-state', view }),
      (error: unknown) => current && setLoadError(error),
    );
    return () => {
      current = false;
    };
  }, [acd, agentId]);

  // The phone and the live feed live as long as the desktop; a takeover stops both.
  useEffect(() => {
    const feed = openLiveFeed('agent');
    const offPhone = phone.subscribe(() => {
      const snapshot = phone.snapshot();
      setPhoneState(snapshot);
      dispatch({ kind: 'phone', call: snapshot.call, atMs: clock() });
    });
    const offMessages = feed.subscribe((message) => {
      dispatch({ kind: 'live', message });
      if (message.type === 'session.replaced') {
        feed.stop();
        phone.stop();
      }
    });
    const offStatus = feed.onStatus(setFeedStatus);
    // Back from a network loss: register again and reconnect the feed now rather than at the next backoff step.
    const online = (): void => {
      phone.reconnect();
      feed.retryNow();
    };
    window.addEventListener('online', online);
    phone.start();
    feed.start();
    return () => {
      window.removeEventListener('online', online);
      offPhone();
      offMessages();
      offStatus();
      feed.stop();
      phone.stop();
    };
  }, [openLiveFeed, phone, clock]);

  const view = desktopView(state);
  const popCallId = view.active?.callId ?? state.wrapUp?.callId ?? view.ringing?.callId ?? null;
  const popProblem = usePopFallback(state, view.active?.callId ?? (view.ringing?.phone && !view.ringing.offer ? view.ringing.callId : null), dispatch);

  const onStateChanged = useCallback((answer: AgentStateView) => dispatch({ kind: 'agent-state', view: answer }), []);

  const submitWrapUp = async (callId: string, request: WrapUpRequest): Promise<void> => {
    await cti.wrapUp(callId, request);
    // Back to available after the after-call work (a break or a new call chosen meanwhile stays).
    if (state.agent?.state === 'after-call-work') {
      try {
        dispatch({ kind: 'agent-state', view: await acd.setAgentState(agentId, 'available') });
      } catch (error) {
        // The wrap-up is saved; only the state change failed (e.g. 409: the acd moved on already).
        if (!(error instanceof ApiError && error.status === 409)) setLoadError(error);
      }
    }
    dispatch({ kind: 'wrapped-up', callId });
  };

  if (state.replaced) {
    return (
      <section className="panel desk-replaced" data-area="agent" data-panel="replaced" aria-labelledby="desk-title">
        <h1 id="desk-title">{t('desktop.replaced.title')}</h1>
        <p role="alert">{t('desktop.replaced.body')}</p>
        <button type="button" onClick={onTakeBack}>
          {t('desktop.replaced.takeBack')}
        </button>
      </section>
    );
  }

  return (
    <div className="desktop" data-area="agent">
      <h1>{t('area.agent')}</h1>
      <ConnectionStatus phone={phoneState} feed={feedStatus} />
      {loadError ? (
        <p role="alert" className="form-alert">
          {describeError(loadError, t)}
        </p>
      ) : null}
      <div className="desktop__grid">
        <div className="desktop__main">
          {view.ringing ? (
            <RingingPanel
              ringing={view.ringing}
              phone={phone}
              registered={phoneState.registration === 'registered'}
              now={now}
              declineOffer={async () => {
                const callId = view.ringing?.callId;
                onStateChanged(await acd.setAgentState(agentId, 'available'));
                if (callId) dispatch({ kind: 'offer-declined', callId });
              }}
            />
          ) : null}
          {view.active ? <InCallPanel agentId={agentId} active={view.active} phone={phone} now={now} /> : null}
          {state.wrapUp ? (
            <WrapUpForm
              key={state.wrapUp.callId}
              callId={state.wrapUp.callId}
              codes={codes.result.status === 'ready' ? codes.result.data : []}
              acwEndsAtMs={state.agent?.state === 'after-call-work' ? state.agent.acwEndsAtMs : null}
              endedAtMs={state.wrapUp.endedAtMs}
              now={now}
              onSubmit={(request) => submitWrapUp(state.wrapUp?.callId ?? '', request)}
            />
          ) : null}
          {!view.ringing && !view.active && !state.wrapUp ? <p className="summary desk-idle">{t('desktop.idle')}</p> : null}
          {popCallId ? <ScreenPopPanel pop={state.pops[popCallId] ?? null} problem={popProblem} /> : null}
        </div>
        <aside className="desktop__side">
          <StateSelector agentId={agentId} agent={state.agent} onChanged={onStateChanged} />
          <TodayStats state={state} />
          <DevicePicker phone={phone} />
        </aside>
      </div>
    </div>
  );
}

/**
 * The screen pop usually comes pushed with the offer; when a call is answered (or the phone rang)
 * without one, it is asked for once over HTTP.
 */
function usePopFallback(state: DesktopState, callId: string | null, dispatch: Dispatch<DesktopEvent>): string | null {
  const { t } = useI18n();
  const { cti } = useServices();
  const asked = useRef(new Set<string>());
  const [problem, setProblem] = useState<{ callId: string; message: string } | null>(null);
  const has = callId !== null && state.pops[callId] !== undefined;
  useEffect(() => {
    if (!callId || has || asked.current.has(callId)) return;
    asked.current.add(callId);
    cti.pop(callId).then(
      (pop) => dispatch({ kind: 'pop', pop }),
      (error: unknown) =>
        setProblem({ callId, message: error instanceof ApiError && error.status === 404 ? t('desktop.pop.none') : describeError(error, t) }),
    );
  }, [cti, callId, has, dispatch, t]);
  return problem && problem.callId === callId ? problem.message : null;
}

/** The agent's own figures for today, from the acd's `agent.stats` pushes. */
function TodayStats({ state }: { state: DesktopState }): ReactNode {
  const { t } = useI18n();
  const today = state.stats?.today;
  return (
    <section className="panel desk-stats" aria-labelledby="desk-stats-title">
      <h2 id="desk-stats-title">{t('desktop.stats.title')}</h2>
      <dl className="facts">
        <dt>{t('desktop.stats.calls')}</dt>
        <dd data-stat="calls">{today ? today.callsHandled : '—'}</dd>
        <dt>{t('desktop.stats.talk')}</dt>
        <dd data-stat="talk">{today ? formatDuration(today.talkMs) : '—'}</dd>
        <dt>{t('desktop.stats.aht')}</dt>
        <dd data-stat="aht">{today?.averageHandleMs != null ? formatDuration(today.averageHandleMs) : '—'}</dd>
      </dl>
      {!today ? <p className="summary">{t('desktop.stats.waiting')}</p> : null}
    </section>
  );
}
