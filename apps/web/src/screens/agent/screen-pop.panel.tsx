import { type ScreenPop } from '@parley/contracts';
import { type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.provider';
import { Data } from '../form/fields.component';

/** What the cti service knows of the caller, so nobody asks twice: contact, IVR entries, history, open tickets, CRM. */
export function ScreenPopPanel({ pop, problem }: { pop: ScreenPop | null; problem: string | null }): ReactNode {
  const { t, locale } = useI18n();
  const when = (iso: string): string => new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
  if (!pop) {
    return (
      <section className="panel desk-pop" aria-labelledby="desk-pop-title" data-panel="pop">
        <h2 id="desk-pop-title">{t('desktop.pop.title')}</h2>
        {problem ? (
          <p role="alert" className="field__error">
            {problem}
          </p>
        ) : (
          <p className="loading-inline">{t('desktop.pop.waiting')}</p>
        )}
      </section>
    );
  }
  const ivr = [...Object.entries(pop.ivr.attributes), ...Object.entries(pop.ivr.variables)];
  return (
    <section className="panel desk-pop" aria-labelledby="desk-pop-title" data-panel="pop" data-call-id={pop.callId}>
      <h2 id="desk-pop-title">{t('desktop.pop.title')}</h2>
      <div className="contact-card" data-field="contact">
        <p>
          <strong>{pop.contact ? <Data>{pop.contact.name}</Data> : t('desktop.pop.unknownContact')}</strong>
          {pop.contact && pop.contact.vipLevel > 0 ? <span className="badge">{t('desktop.pop.vip', { level: pop.contact.vipLevel })}</span> : null}
        </p>
        <p data-field="caller-number">{pop.caller.maskedNumber ? <Data>{pop.caller.maskedNumber}</Data> : t('desktop.pop.unknownNumber')}</p>
        {pop.contact?.company ? (
          <p>
            <Data>{pop.contact.company}</Data>
          </p>
        ) : null}
        {pop.contact && pop.contact.tags.length > 0 ? (
          <p className="tags">
            {pop.contact.tags.map((tag) => (
              <span key={tag} className="tag">
                <Data>{tag}</Data>
              </span>
            ))}
          </p>
        ) : null}
      </div>

      <h3>{t('desktop.pop.ivr')}</h3>
      {ivr.length === 0 ? (
        <p className="summary">{t('desktop.pop.ivrNone')}</p>
      ) : (
        <dl className="facts" data-field="ivr">
          {ivr.map(([name, value]) => (
            <div key={name}>
              <dt>
                <Data>{name}</Data>
              </dt>
              <dd>
                <Data>{value}</Data>
              </dd>
            </div>
          ))}
        </dl>
      )}

      <h3>{t('desktop.pop.tickets')}</h3>
      {pop.openTickets.length === 0 ? (
        <p className="summary">{t('desktop.pop.ticketsNone')}</p>
      ) : (
        <ul className="rows" data-field="tickets">
          {pop.openTickets.map((ticket) => (
            <li key={ticket.ticketId}>
              <Data>{ticket.subject}</Data> · {t(`ticket.status.${ticket.status}`)} · {t(`ticket.priority.${ticket.priority}`)}
            </li>
          ))}
        </ul>
      )}

      <h3>{t('desktop.pop.history')}</h3>
      {pop.lastCalls.length === 0 ? (
        <p className="summary">{t('desktop.pop.historyNone')}</p>
      ) : (
        <table className="data-table" data-field="history">
          <thead>
            <tr>
              <th scope="col">{t('desktop.pop.when')}</th>
              <th scope="col">{t('desktop.ringing.queue')}</th>
              <th scope="col">{t('desktop.pop.disposition')}</th>
              <th scope="col">{t('desktop.pop.survey')}</th>
            </tr>
          </thead>
          <tbody>
            {pop.lastCalls.map((call) => (
              <tr key={call.callId}>
                <td>
                  <Data>{when(call.at)}</Data>
                </td>
                <td>{call.queueId ? <Data>{call.queueId}</Data> : '—'}</td>
                <td>{call.disposition ? <Data>{call.disposition}</Data> : '—'}</td>
                <td>{call.surveyScore ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>{t('desktop.pop.crm')}</h3>
      <CrmAnswerView crm={pop.crm} />
    </section>
  );
}

function CrmAnswerView({ crm }: { crm: ScreenPop['crm'] }): ReactNode {
  const { t } = useI18n();
  if (crm.status !== 'ok') return <p className="summary" data-field="crm">{t(`desktop.crm.${crm.status}`)}</p>;
  // The CRM answers in its own shape: its plain top-level fields are shown as they are.
  const fields =
    typeof crm.data === 'object' && crm.data !== null && !Array.isArray(crm.data)
      ? Object.entries(crm.data as Record<string, unknown>)
          .filter((entry): entry is [string, string | number | boolean] => ['string', 'number', 'boolean'].includes(typeof entry[1]))
          .slice(0, 12)
      : [];
  return (
    <div data-field="crm">
      <p className="summary">{t('desktop.crm.ok')}</p>
      {fields.length > 0 ? (
        <dl className="facts">
          {fields.map(([name, value]) => (
            <div key={name}>
              <dt>
                <Data>{name}</Data>
              </dt>
              <dd>
                <Data>{String(value)}</Data>
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
    </div>
  );
}
