import { type CallView } from '@parley/contracts';
import { useEffect, useState, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { type Translate } from '../../i18n/message-catalog';
import { PhoneError, type CallQuality, type Phone } from '../../softphone/phone';
import { describeError } from '../form-errors';
import { Data } from '../form/fields.component';
import { formatDuration } from '../supervisor/use-now';
import { type DesktopView } from './desktop.model';
import { TransferForm } from './transfer-form.component';

/** A failed phone or call-control action in the user's language. */
export function actionError(error: unknown, t: Translate): string {
  if (error instanceof PhoneError) return t(`desktop.phoneError.${error.code}`);
  return describeError(error, t);
}

interface RingingProps {
  ringing: NonNullable<DesktopView['ringing']>;
  phone: Phone;
  registered: boolean;
  now: number;
  /** Declines an offer the phone has not rung for (the acd takes "available" while reserved as a decline). */
  declineOffer(): Promise<void>;
}

/** The offer's details while the phone rings: queue, masked caller, how long the caller waited; answer or reject. */
export function RingingPanel({ ringing, phone, registered, now, declineOffer }: RingingProps): ReactNode {
  const { t } = useI18n();
  const { cti } = useServices();
  const [problem, setProblem] = useState<string | null>(null);
  const [record, setRecord] = useState<{ callId: string; call: CallView } | null>(null);
  const { offer, callId } = ringing;

  // How long the caller waited before this offer: the call's routing time from the cti service.
  useEffect(() => {
    if (!callId) return;
    let current = true;
    cti.call(callId).then(
      (call) => current && setRecord({ callId, call }),
      () => undefined, // the waiting time is a nicety: the panel works without it
    );
    return () => {
      current = false;
    };
  }, [cti, callId]);

  const call = record && record.callId === callId ? record.call : null;
  const offeredMs = offer ? Date.parse(offer.offeredAt) : (ringing.phone?.ringingSince ?? now);
  const waitedMs = call?.routedAt ? offeredMs - Date.parse(call.routedAt) : null;
  const caller = offer?.callerMasked ?? call?.callerMasked ?? null;
  const queue = offer?.queueId ?? call?.queueId ?? null;

  const act = (action: () => void | Promise<void>): void => {
    setProblem(null);
    try {
      const result = action();
      if (result) result.catch((error: unknown) => setProblem(actionError(error, t)));
    } catch (error) {
      setProblem(actionError(error, t));
    }
  };

  const answering = ringing.phone?.state === 'answering';
  return (
    <section className="panel desk-ringing" aria-labelledby="desk-ringing-title" data-panel="ringing" data-call-id={callId ?? ''}>
      <h2 id="desk-ringing-title">{answering ? t('desktop.ringing.answering') : t('desktop.ringing.title')}</h2>
      <dl className="facts">
        <dt>{t('desktop.ringing.caller')}</dt>
        <dd data-field="caller">{caller ? <Data>{caller}</Data> : t('desktop.pop.unknownNumber')}</dd>
        <dt>{t('desktop.ringing.queue')}</dt>
        <dd data-field="queue">{queue ? <Data>{queue}</Data> : '—'}</dd>
        <dt>{t('desktop.ringing.waited')}</dt>
        <dd data-field="waited">{waitedMs === null ? '—' : formatDuration(waitedMs)}</dd>
        <dt>{t('desktop.ringing.ringingFor')}</dt>
        <dd data-field="ringing-for">{formatDuration(now - offeredMs)}</dd>
      </dl>
      {!ringing.phone ? <p className="notice">{registered ? t('desktop.ringing.waitingForPhone') : t('desktop.ringing.phoneNotReady')}</p> : null}
      <div className="actions">
        <button type="button" disabled={ringing.phone?.state !== 'ringing'} onClick={() => act(() => phone.answer())}>
          {t('desktop.call.answer')}
        </button>
        <button type="button" className="danger" disabled={answering} onClick={() => act(() => (ringing.phone ? phone.reject() : declineOffer()))}>
          {t('desktop.call.reject')}
        </button>
      </div>
      {problem ? (
        <p role="alert" className="field__error">
          {problem}
        </p>
      ) : null}
    </section>
  );
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
/** How often the call quality is read while a call is connected (a display ticker). */
export const QUALITY_REFRESH_MS = 5_000;

interface InCallProps {
  /** The signed-in agent. */
  agentId: string;
  active: NonNullable<DesktopView['active']>;
  phone: Phone;
  now: number;
}

/** The call in progress: timer, hang up, hold, mute, keypad, transfer and the call's quality. */
export function InCallPanel({ agentId, active, phone, now }: InCallProps): ReactNode {
  const { t } = useI18n();
  const { cti, acd } = useServices();
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [keypad, setKeypad] = useState(false);
  const [dialled, setDialled] = useState('');
  const [quality, setQuality] = useState<CallQuality | null>(null);
  const onPhone = active.phone;
  const { callId } = active;

  useEffect(() => {
    if (!onPhone) return;
    let current = true;
    const read = (): void => {
      phone.quality().then(
        (q) => current && setQuality(q),
        () => undefined,
      );
    };
    read();
    const timer = setInterval(read, QUALITY_REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [phone, onPhone]);

  const act = (action: () => void | Promise<void>, done?: string): void => {
    setProblem(null);
    setNotice(null);
    try {
      const result = action();
      if (result) result.then(() => done && setNotice(done), (error: unknown) => setProblem(actionError(error, t)));
      else if (done) setNotice(done);
    } catch (error) {
      setProblem(actionError(error, t));
    }
  };

  // Consultation and conference go through the server (voice dials the third party and mixes the legs).
  const [consulting, setConsulting] = useState(false);
  const withCall = (action: (id: string) => Promise<void>, done?: string): void =>
    act(() => (callId ? action(callId) : Promise.reject(new PhoneError('no-call', 'no call id'))), done);
  const hangup = (): void => act(() => (onPhone ? phone.hangup() : callId ? cti.hangup(callId) : undefined));
  const hold = (on: boolean): void => act(() => (onPhone ? phone.hold(on) : callId ? cti.hold(callId, on) : undefined));
  const press = (key: string): void => {
    act(() => phone.sendDtmf(key));
    setDialled((d) => (d + key).slice(-32));
  };

  return (
    <section className="panel desk-call" aria-labelledby="desk-call-title" data-panel="in-call" data-call-id={callId ?? ''}>
      <h2 id="desk-call-title">
        {active.held ? t('desktop.call.onHold') : t('desktop.call.title')}{' '}
        {onPhone?.answeredAt != null ? (
          <span className="timer" data-field="call-timer" aria-label={t('desktop.call.timer')}>
            {formatDuration(now - onPhone.answeredAt)}
          </span>
        ) : null}
      </h2>
      {!onPhone ? <p className="notice">{t('desktop.call.notOnThisPhone')}</p> : null}
      <div className="actions">
        <button type="button" className="danger" onClick={hangup}>
          {t('desktop.call.hangup')}
        </button>
        <button type="button" className="secondary" aria-pressed={active.held} onClick={() => hold(!active.held)}>
          {active.held ? t('desktop.call.resume') : t('desktop.call.hold')}
        </button>
        {onPhone ? (
          <>
            <button type="button" className="secondary" aria-pressed={onPhone.muted} onClick={() => act(() => phone.mute(!onPhone.muted))}>
              {onPhone.muted ? t('desktop.call.unmute') : t('desktop.call.mute')}
            </button>
            <button type="button" className="secondary" aria-expanded={keypad} onClick={() => setKeypad((k) => !k)}>
              {t('desktop.call.keypad')}
            </button>
          </>
        ) : null}
      </div>
      {keypad && onPhone ? (
        <div className="keypad" role="group" aria-label={t('desktop.call.keypad')}>
          <output aria-label={t('desktop.call.dialled')}>{dialled ? <Data>{dialled}</Data> : ' '}</output>
          {KEYS.map((key) => (
            <button key={key} type="button" className="secondary" onClick={() => press(key)} aria-label={t('desktop.call.key', { key })}>
              {key}
            </button>
          ))}
        </div>
      ) : null}
      <TransferForm
        selfId={agentId}
        onTransfer={(target) =>
          act(() => (onPhone ? phone.transfer(target) : callId ? cti.transfer(callId, target) : Promise.reject(new PhoneError('no-call', 'no call id'))), t('desktop.transfer.done'))
        }
        // The acd takes the call back into the queue (the agent's leg ends); the phone has no part in it.
        onQueueTransfer={(queueId, name) => withCall((id) => acd.transferToQueue(id, queueId).then(() => undefined), t('desktop.transfer.queued', { queue: name }))}
        onConsult={(target) => withCall((id) => cti.consult(id, target).then(() => setConsulting(true)), t('desktop.consult.started'))}
        // The acd picks the queue's agent and rings them; from then on it is an ordinary consultation (cti).
        onQueueConsult={(queue, colleagues) =>
          withCall((id) =>
            acd.consultQueue(id, queue.queueId).then((consult) => {
              setConsulting(true);
              const name = colleagues.find((c) => c.userId === consult.agentId)?.name;
              setNotice(name ? t('desktop.consult.queueCalling', { name, queue: queue.name }) : t('desktop.consult.queueCallingAgent', { queue: queue.name }));
            }),
          )
        }
        onConference={(target) => withCall((id) => cti.conference(id, target).then(() => setConsulting(true)), t('desktop.conference.started'))}
      />
      {consulting ? (
        <div className="actions" role="group" aria-label={t('desktop.consult.started')}>
          <button type="button" onClick={() => withCall((id) => cti.completeConsult(id).then(() => setConsulting(false)), t('desktop.consult.completed'))}>
            {t('desktop.consult.complete')}
          </button>
          <button type="button" className="secondary" onClick={() => withCall((id) => cti.conference(id), t('desktop.conference.started'))}>
            {t('desktop.conference.join')}
          </button>
          <button type="button" className="secondary" onClick={() => withCall((id) => cti.cancelConsult(id).then(() => setConsulting(false)), t('desktop.consult.cancelled'))}>
            {t('desktop.consult.cancel')}
          </button>
        </div>
      ) : null}
      {problem ? (
        <p role="alert" className="field__error" data-call-error="">
          {problem}
        </p>
      ) : null}
      {notice ? <p className="notice">{notice}</p> : null}
      {quality ? (
        <p className="summary" data-field="quality">
          {t('desktop.call.quality', {
            sent: quality.packetsSent,
            received: quality.packetsReceived,
            lost: quality.packetsLost,
            jitter: quality.jitterMs ?? '—',
            rtt: quality.roundTripMs ?? '—',
          })}
        </p>
      ) : null}
    </section>
  );
}
