import { acdAgentStateSchema } from '@parley/contracts';
import { useCallback, useEffect, useReducer, useState, type ReactNode } from 'react';
import { type BreakReason, type RequestableAgentState } from '../../api/acd-api.types';
import { ApiError } from '../../api/api-error';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { type MonitorMode } from '../../live/call-control';
import { type LiveFeedStatus } from '../../live/live-feed';
import { describeError } from '../form-errors';
import { Data } from '../form/fields.component';
import { ReasonText, useBreakReasons } from '../agent/break-reasons.component';
import { BarChart, LineChart } from './charts.component';
import { agentsByState, belowTarget, EMPTY_DASHBOARD, reduceDashboard, serviceLevelPercent, type AgentRow, type QueueRow } from './dashboard.model';
import { formatDuration, useNow } from './use-now';

/** How often the HTTP snapshots are fetched again (the live feed fills the time between). */
export const SNAPSHOT_REFRESH_MS = 30_000;

const MONITOR_MODES: readonly MonitorMode[] = ['listen', 'whisper', 'barge'];
/** A break is forced with one of the tenant's reasons: the picker's value is `break:<code>`. */
const BREAK_PREFIX = 'break:';

/** Live queues and agents: HTTP snapshots refreshed, server pushes applied as they come. */
export function SupervisorDashboardPage(): ReactNode {
  const { t } = useI18n();
  const services = useServices();
  const { acd, tenantAdmin, openLiveFeed } = services;
  const [state, dispatch] = useReducer(reduceDashboard, EMPTY_DASHBOARD);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [feedStatus, setFeedStatus] = useState<LiveFeedStatus>('connecting');
  const now = useNow(services.now);
  const reasons = useBreakReasons();

  const loadSnapshot = useCallback(async () => {
    const queues = await acd.listQueues();
    const [queueStats, agents, agentStats, names] = await Promise.all([
      Promise.all(queues.map((q) => acd.queueStats(q.queueId))),
      acd.listAgents(),
      acd.agentStats(),
      // Supervisors may not list users (owners and admins only): agents are then shown by id.
      tenantAdmin.listUsers().then(
        (users) => new Map(users.map((u) => [u.id, u.name])),
        (error: unknown) => {
          if (error instanceof ApiError && error.status === 403) return new Map<string, string>();
          throw error;
        },
      ),
    ]);
    return { queues, queueStats, agents, agentStats, names };
  }, [acd, tenantAdmin]);

  useEffect(() => {
    let current = true;
    const refresh = (): void => {
      loadSnapshot().then(
        (snapshot) => {
          if (!current) return;
          dispatch({ kind: 'queues', queues: snapshot.queues, stats: snapshot.queueStats });
          dispatch({ kind: 'agents', agents: snapshot.agents, stats: snapshot.agentStats, names: snapshot.names });
          setLoadError(null);
        },
        (error: unknown) => current && setLoadError(error),
      );
    };
    refresh();
    const timer = setInterval(refresh, SNAPSHOT_REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [loadSnapshot]);

  useEffect(() => {
    const feed = openLiveFeed('supervisor');
    const offMessages = feed.subscribe((message) => dispatch({ kind: 'live', message }));
    const offStatus = feed.onStatus(setFeedStatus);
    feed.start();
    return () => {
      offMessages();
      offStatus();
      feed.stop();
    };
  }, [openLiveFeed]);

  const queues = Object.values(state.queues);
  const alerts = queues.filter(belowTarget);
  const byState = agentsByState(state);

  return (
    <div className="dashboard" data-area="supervisor">
      <h1>{t('area.supervisor')}</h1>
      <p className={`feed-status feed-status--${feedStatus}`}>{t(`dashboard.feed.${feedStatus}`)}</p>
      {loadError ? (
        <p role="alert" className="form-alert">
          {describeError(loadError, t)}
        </p>
      ) : null}
      {alerts.length > 0 ? (
        <div role="alert" className="sl-alert">
          {alerts.map((row) => (
            <p key={row.queueId}>{t('dashboard.slAlert', { queue: row.name, level: serviceLevelPercent(row) ?? 0, target: row.targetPercent })}</p>
          ))}
        </div>
      ) : null}
      <div className="charts">
        <LineChart title={t('dashboard.chart.waiting')} points={state.samples.map((s) => ({ x: s.at, y: s.waiting }))} />
        <BarChart title={t('dashboard.chart.agents')} bars={acdAgentStateSchema.options.map((s) => ({ key: s, label: t(`agentState.${s}`), value: byState[s] }))} />
      </div>
      <QueuesTable rows={queues} now={now} />
      {reasons.status === 'error' ? (
        <p role="alert" className="field__error" data-reasons-error="">
          {t('desktop.state.reasonsFailed', { error: describeError(reasons.error, t) })}
        </p>
      ) : null}
      <AgentsTable rows={Object.values(state.agents)} now={now} reasons={reasons.status === 'ready' ? reasons.data : []} />
    </div>
  );
}

function QueuesTable({ rows, now }: { rows: readonly QueueRow[]; now: number }): ReactNode {
  const { t } = useI18n();
  return (
    <table className="data-table" aria-labelledby="dash-queues">
      <caption id="dash-queues">{t('dashboard.queues')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('queues.name')}</th>
          <th scope="col">{t('dashboard.waiting')}</th>
          <th scope="col">{t('dashboard.longestWait')}</th>
          <th scope="col">{t('dashboard.serviceLevel')}</th>
          <th scope="col">{t('dashboard.answered')}</th>
          <th scope="col">{t('dashboard.abandoned')}</th>
          <th scope="col">{t('dashboard.available')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const stats = row.stats;
          const level = serviceLevelPercent(row);
          // The longest wait keeps growing between pushes while someone waits.
          const longest = stats ? stats.longestWaitMs + (stats.waiting > 0 ? Math.max(0, now - Date.parse(stats.asOf)) : 0) : null;
          return (
            <tr key={row.queueId} data-queue={row.queueId} className={belowTarget(row) ? 'row--alert' : undefined}>
              <th scope="row">
                <Data>{row.name}</Data>
              </th>
              <td data-cell="waiting">{stats ? stats.waiting : '—'}</td>
              <td data-cell="longest-wait">{longest === null ? '—' : formatDuration(longest)}</td>
              <td data-cell="service-level">{level === null ? t('dashboard.slNone', { target: row.targetPercent }) : t('dashboard.slValue', { level, target: row.targetPercent })}</td>
              <td data-cell="answered">{stats ? stats.today.answered : '—'}</td>
              <td data-cell="abandoned">{stats ? stats.today.abandoned : '—'}</td>
              <td data-cell="available">{stats ? stats.agentsByState.available : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function AgentsTable({ rows, now, reasons }: { rows: readonly AgentRow[]; now: number; reasons: readonly BreakReason[] }): ReactNode {
  const { t } = useI18n();
  return (
    <table className="data-table" aria-labelledby="dash-agents">
      <caption id="dash-agents">{t('dashboard.agents')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('dashboard.agent')}</th>
          <th scope="col">{t('dashboard.state')}</th>
          <th scope="col">{t('dashboard.timeInState')}</th>
          <th scope="col">{t('dashboard.currentCall')}</th>
          <th scope="col">{t('dashboard.handledToday')}</th>
          <th scope="col">{t('dashboard.monitor')}</th>
          <th scope="col">{t('dashboard.forceState')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <AgentRowView key={row.agentId} row={row} now={now} reasons={reasons} />
        ))}
      </tbody>
    </table>
  );
}

function AgentRowView({ row, now, reasons }: { row: AgentRow; now: number; reasons: readonly BreakReason[] }): ReactNode {
  const { t, locale } = useI18n();
  const { callControl, acd } = useServices();
  const [monitor, setMonitor] = useState<{ mode: MonitorMode; error: string | null } | null>(null);
  const [forced, setForced] = useState<{ error: string | null } | null>(null);
  // A supervisor may set an agent's state (the acd refuses illegal moves with 409, shown in words).
  const force = (state: RequestableAgentState, reason?: string): void => {
    acd.setAgentState(row.agentId, state, reason).then(
      () => setForced({ error: null }),
      (error: unknown) => setForced({ error: describeError(error, t) }),
    );
  };
  const start = (mode: MonitorMode, callId: string): void => {
    callControl.monitor({ agentId: row.agentId, callId, mode }).then(
      () => setMonitor({ mode, error: null }),
      (error: unknown) => setMonitor({ mode, error: describeError(error, t) }),
    );
  };
  const onCall = row.state === 'on-call' && row.callId !== null;
  return (
    <tr data-agent={row.agentId}>
      <th scope="row">
        <Data>{row.name}</Data>
      </th>
      <td data-cell="state">
        {t(`agentState.${row.state}`)}
        {row.reason ? (
          <>
            {' '}
            (<ReasonText reason={row.reason} reasons={reasons} />)
          </>
        ) : null}
      </td>
      <td data-cell="time-in-state">{formatDuration(now - row.sinceMs)}</td>
      <td data-cell="call">{row.callId ? <Data>{row.callId.slice(0, 8)}</Data> : '—'}</td>
      <td>{row.callsHandled ?? '—'}</td>
      <td>
        {onCall && row.callId
          ? MONITOR_MODES.map((mode) => (
              <button key={mode} type="button" className="secondary" onClick={() => row.callId && start(mode, row.callId)} aria-label={t(`dashboard.monitorAgent.${mode}`, { agent: row.name })}>
                {t(`dashboard.mode.${mode}`)}
              </button>
            ))
          : null}
        {monitor && onCall ? <p className={monitor.error ? 'field__error' : 'notice'}>{monitor.error ?? t(`dashboard.monitoring.${monitor.mode}`)}</p> : null}
      </td>
      <td>
        <select
          aria-label={t('dashboard.forceStateOf', { agent: row.name })}
          value=""
          onChange={(event) => {
            const value = event.target.value;
            if (value === 'available' || value === 'offline') force(value);
            else if (value.startsWith(BREAK_PREFIX)) force('break', value.slice(BREAK_PREFIX.length));
          }}
        >
          <option value="">{t('dashboard.forceState.choose')}</option>
          <option value="available">{t('agentState.available')}</option>
          {reasons.map((r) => (
            <option key={r.code} value={`${BREAK_PREFIX}${r.code}`}>
              {t('dashboard.forceState.breakFor', { reason: r.labels[locale] || r.code })}
            </option>
          ))}
          <option value="offline">{t('agentState.offline')}</option>
        </select>
        {forced ? <p className={forced.error ? 'field__error' : 'notice'}>{forced.error ?? t('dashboard.forceState.done')}</p> : null}
      </td>
    </tr>
  );
}
