import { type TicketPriority, type TicketStatus, type WrapUpRequest } from '@parley/contracts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { type DispositionCode } from '../../api/cti-api.client';
import { useI18n } from '../../i18n/i18n.provider';
import { FormAlert, FormField } from '../form-field.component';
import { CheckboxField, SelectField, TextAreaField } from '../form/fields.component';
import { useAction } from '../form/use-action';
import { formatDuration } from '../supervisor/use-now';

const STATUSES: readonly TicketStatus[] = ['open', 'pending', 'solved'];
const PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

interface WrapUpProps {
  callId: string;
  codes: readonly DispositionCode[];
  /** When the after-call work ends (the acd's), or null: then the time spent is shown. */
  acwEndsAtMs: number | null;
  endedAtMs: number;
  now: number;
  /** Posts the wrap-up (and goes back to available). */
  onSubmit(request: WrapUpRequest): Promise<void>;
}

/** After the call: disposition, notes, an optional ticket; then back to available. */
export function WrapUpForm({ callId, codes, acwEndsAtMs, endedAtMs, now, onSubmit }: WrapUpProps): ReactNode {
  const { t } = useI18n();
  const active = codes.filter((c) => c.active);
  const [disposition, setDisposition] = useState(active[0]?.code ?? '');
  const [notes, setNotes] = useState('');
  const [withTicket, setWithTicket] = useState(false);
  const [subject, setSubject] = useState('');
  const [status, setStatus] = useState<TicketStatus>('open');
  const [priority, setPriority] = useState<TicketPriority>('normal');
  const { busy, errors, run } = useAction();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const request: WrapUpRequest = {
      disposition,
      ...(notes.trim() !== '' ? { notes } : {}),
      ...(withTicket ? { ticket: { subject, status, priority } } : {}),
    };
    void run(() => onSubmit(request));
  };

  return (
    <section className="panel desk-wrap-up" aria-labelledby="desk-wrap-title" data-panel="wrap-up" data-call-id={callId}>
      <h2 id="desk-wrap-title">{t('desktop.wrapUp.title')}</h2>
      <p className="timer" data-field="acw">
        {acwEndsAtMs !== null && acwEndsAtMs > now
          ? t('desktop.wrapUp.countdown', { time: formatDuration(acwEndsAtMs - now) })
          : t('desktop.wrapUp.elapsed', { time: formatDuration(now - endedAtMs) })}
      </p>
      <form onSubmit={submit} noValidate>
        <FormAlert messages={errors.unclaimed(['disposition', 'notes', 'ticket'], t)} />
        {active.length === 0 ? <p className="notice">{t('desktop.wrapUp.noCodes')}</p> : null}
        <SelectField
          label={t('desktop.wrapUp.disposition')}
          name="disposition"
          value={disposition}
          options={active.map((c) => ({ value: c.code, label: c.label, data: true }))}
          onChange={setDisposition}
          error={errors.at('disposition')}
        />
        <TextAreaField label={t('desktop.wrapUp.notes')} name="notes" value={notes} onChange={setNotes} rows={3} error={errors.at('notes')} />
        <CheckboxField label={t('desktop.wrapUp.createTicket')} name="withTicket" checked={withTicket} onChange={setWithTicket} />
        {withTicket ? (
          <fieldset>
            <legend>{t('desktop.wrapUp.ticket')}</legend>
            <FormField label={t('desktop.wrapUp.subject')} name="ticket.subject" value={subject} onChange={setSubject} error={errors.under('ticket.subject')} />
            <SelectField
              label={t('desktop.wrapUp.status')}
              name="ticket.status"
              value={status}
              options={STATUSES.map((s) => ({ value: s, label: t(`ticket.status.${s}`) }))}
              onChange={(v) => setStatus(v as TicketStatus)}
            />
            <SelectField
              label={t('desktop.wrapUp.priority')}
              name="ticket.priority"
              value={priority}
              options={PRIORITIES.map((p) => ({ value: p, label: t(`ticket.priority.${p}`) }))}
              onChange={(v) => setPriority(v as TicketPriority)}
            />
          </fieldset>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={busy || disposition === ''}>
            {busy ? t('desktop.wrapUp.submitting') : t('desktop.wrapUp.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
