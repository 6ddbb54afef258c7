import { type TransferTargetsView } from '@parley/contracts';
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { type ColleagueView } from '../../api/agent-api.client';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { normalizeTransferNumber, type TransferTarget } from '../../softphone/phone';
import { describeError } from '../form-errors';
import { useLoad, type LoadResult } from '../form/use-load';
import { colleagueChoices } from './transfer-targets.model';

/** How often the queues' load and the colleagues' states are read again while the transfer form is open. */
export const TRANSFER_TARGETS_REFRESH_MS = 10_000;

type TargetKind = 'agent' | 'queue' | 'number';
const KINDS: readonly TargetKind[] = ['agent', 'queue', 'number'];

/** The colleagues (tenant service, read once) and the live transfer targets (acd, refreshed). */
function useTransferTargets(): { colleagues: LoadResult<ColleagueView[]>; targets: LoadResult<TransferTargetsView>; refresh(): void } {
  const { agent, acd } = useServices();
  const loadColleagues = useCallback(() => agent.colleagues(), [agent]);
  const loadTargets = useCallback(() => acd.transferTargets(), [acd]);
  const colleagues = useLoad(loadColleagues);
  const targets = useLoad(loadTargets);
  const { reload: reloadColleagues } = colleagues;
  const { reload: reloadTargets } = targets;
  useEffect(() => {
    const timer = setInterval(reloadTargets, TRANSFER_TARGETS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reloadTargets]);
  const refresh = useCallback(() => {
    reloadColleagues();
    reloadTargets();
  }, [reloadColleagues, reloadTargets]);
  return { colleagues: colleagues.result, targets: targets.result, refresh };
}

interface TransferFormProps {
  /** The signed-in agent (not offered as its own transfer target). */
  selfId: string;
  /** Blind transfer to a colleague or a number. */
  onTransfer(target: TransferTarget): void;
  /** Blind transfer to a queue (the caller waits there for the next agent); `name` for the confirmation. */
  onQueueTransfer(queueId: string, name: string): void;
  onConsult(target: TransferTarget): void;
  /**
   * Consultation with a queue: the acd rings one of its available agents. `colleagues` is the list
   * known here (empty while it is not loaded), to name the agent the acd picked.
   */
  onQueueConsult(queue: { queueId: string; name: string }, colleagues: readonly ColleagueView[]): void;
  onConference(target: TransferTarget): void;
}

/**
 * Where the call goes: a colleague picked by name (available ones first, offline ones not
 * selectable), a queue (with its callers waiting and agents available; transfer or consult, no
 * direct conference), or a number.
 */
export function TransferForm({ selfId, onTransfer, onQueueTransfer, onConsult, onQueueConsult, onConference }: TransferFormProps): ReactNode {
  const { t } = useI18n();
  const { colleagues, targets, refresh } = useTransferTargets();
  const [kind, setKind] = useState<TargetKind>('agent');
  const [agentId, setAgentId] = useState('');
  const [queueId, setQueueId] = useState('');
  const [number, setNumber] = useState('');
  const [error, setError] = useState<string | null>(null);

  const live = targets.status === 'ready' ? targets.data : null;
  const choices = colleagues.status === 'ready' ? colleagueChoices(colleagues.data, live, selfId) : [];
  const queues = live?.queues ?? [];

  /** The colleague or number chosen, or null with the error shown. */
  const personTarget = (): TransferTarget | null => {
    if (kind === 'number') {
      const normalized = normalizeTransferNumber(number);
      if (!normalized) {
        setError(t('desktop.transfer.badNumber'));
        return null;
      }
      setError(null);
      return { kind: 'number', number: normalized };
    }
    // The list may have changed since the choice (a refresh found the colleague offline).
    const choice = choices.find((c) => c.agentId === agentId);
    if (!choice?.selectable) {
      setError(t('desktop.transfer.badAgent'));
      return null;
    }
    setError(null);
    return { kind: 'agent', agentId: choice.agentId };
  };

  /** The queue chosen, or null with the error shown. */
  const queueTarget = (): { queueId: string; name: string } | null => {
    const queue = queues.find((q) => q.queueId === queueId);
    if (!queue) {
      setError(t('desktop.transfer.badQueue'));
      return null;
    }
    setError(null);
    return { queueId: queue.queueId, name: queue.name };
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (kind === 'queue') {
      const queue = queueTarget();
      if (queue) onQueueTransfer(queue.queueId, queue.name);
      return;
    }
    const to = personTarget();
    if (to) onTransfer(to);
  };
  const withPerson = (action: (to: TransferTarget) => void): void => {
    const to = personTarget();
    if (to) action(to);
  };
  const consult = (): void => {
    if (kind !== 'queue') {
      withPerson(onConsult);
      return;
    }
    const queue = queueTarget();
    if (queue) onQueueConsult(queue, colleagues.status === 'ready' ? colleagues.data : []);
  };

  const stateText = (state: (typeof choices)[number]['state']): string => (state ? t(`agentState.${state}`) : t('desktop.transfer.stateUnknown'));

  return (
    <form className="inline-form desk-transfer" onSubmit={submit} aria-label={t('desktop.transfer.title')} noValidate>
      <label>
        {t('desktop.transfer.to')}{' '}
        <select
          value={kind}
          onChange={(event) => {
            setKind(KINDS.find((k) => k === event.target.value) ?? 'agent');
            setError(null);
          }}
        >
          <option value="agent">{t('desktop.transfer.agent')}</option>
          <option value="queue">{t('desktop.transfer.queue')}</option>
          <option value="number">{t('desktop.transfer.number')}</option>
        </select>
      </label>
      {kind === 'agent' ? (
        <label>
          {t('desktop.transfer.agent')}{' '}
          <select value={agentId} aria-invalid={error ? true : undefined} onChange={(event) => setAgentId(event.target.value)}>
            <option value="">{t('desktop.transfer.chooseAgent')}</option>
            {choices.map((c) => (
              <option key={c.agentId} value={c.agentId} disabled={!c.selectable} data-state={c.state ?? ''}>
                {t('desktop.transfer.agentOption', { name: c.name, state: stateText(c.state) })}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {kind === 'queue' ? (
        <label>
          {t('desktop.transfer.queue')}{' '}
          <select value={queueId} aria-invalid={error ? true : undefined} onChange={(event) => setQueueId(event.target.value)}>
            <option value="">{t('desktop.transfer.chooseQueue')}</option>
            {queues.map((q) => (
              <option key={q.queueId} value={q.queueId}>
                {t('desktop.transfer.queueOption', { name: q.name, waiting: q.waiting, available: q.availableAgents })}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {kind === 'number' ? (
        <input aria-label={t('desktop.transfer.number')} placeholder="+14155550100" value={number} aria-invalid={error ? true : undefined} onChange={(event) => setNumber(event.target.value)} />
      ) : null}
      <button type="submit" className="secondary">
        {t('desktop.transfer.submit')}
      </button>
      <button type="button" className="secondary" onClick={consult}>
        {t('desktop.consult.submit')}
      </button>
      {/* A conference with a queue's agent starts as a consultation ("Join all three" once they answer). */}
      <button type="button" className="secondary" disabled={kind === 'queue'} onClick={() => withPerson(onConference)}>
        {t('desktop.conference.submit')}
      </button>
      {kind !== 'number' ? (
        <button type="button" className="secondary" onClick={refresh}>
          {t('desktop.transfer.refresh')}
        </button>
      ) : null}
      {kind === 'queue' ? <p className="field__hint">{t('desktop.transfer.queueHint')}</p> : null}
      <TargetsProblems kind={kind} colleagues={colleagues} targets={targets} empty={kind === 'agent' ? choices.length === 0 : queues.length === 0} />
      {error ? (
        <p className="field__error" data-field-error="transfer">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** Why the picker is short: a list that could not be loaded, or nothing to pick. */
function TargetsProblems({ kind, colleagues, targets, empty }: { kind: TargetKind; colleagues: LoadResult<unknown>; targets: LoadResult<unknown>; empty: boolean }): ReactNode {
  const { t } = useI18n();
  if (kind === 'number') return null;
  // Colleagues are listed without their states when only the acd's answer failed.
  const failed = [kind === 'agent' ? colleagues : null, targets].flatMap((r) => (r?.status === 'error' ? [describeError(r.error, t)] : []));
  if (failed.length > 0) {
    return (
      <p className="field__error" data-targets-error="">
        {t('desktop.transfer.loadFailed', { error: failed.join(' ') })}
      </p>
    );
  }
  const loading = (kind === 'agent' && colleagues.status === 'loading') || targets.status === 'loading';
  if (loading) return <p className="loading-inline">{t('app.loading')}</p>;
  if (empty) return <p className="summary">{kind === 'agent' ? t('desktop.transfer.noColleagues') : t('desktop.transfer.noQueues')}</p>;
  return null;
}
