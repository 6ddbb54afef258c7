import { weekdaySchema } from '@parley/contracts';
import { useId, type ReactNode } from 'react';
import { useI18n } from '../../../i18n/i18n.provider';
import { FormField } from '../../form-field.component';
import { type NodeOf } from './flow-model';

/** A business-hours check as the flow document holds it. */
export type BusinessHours = Extract<NodeOf<'condition'>['test'], { kind: 'business-hours' }>;

const CLOCK = '([01][0-9]|2[0-3]):[0-5][0-9]|24:00';

interface BusinessHoursFormProps {
  value: BusinessHours;
  onChange(value: BusinessHours): void;
  /** Errors by field inside the test (`timeZone`, `weekly.2.close`, `holidays.0.date`). */
  errorAt?(field: string): string | undefined;
}

/** IANA time zone names the browser knows, for suggestions (any valid name is accepted). */
function knownTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? [];
}

/** The weekly opening hours, holidays and time zone of a business-hours check. */
export function BusinessHoursForm({ value, onChange, errorAt = () => undefined }: BusinessHoursFormProps): ReactNode {
  const { t } = useI18n();
  const zonesId = useId();
  const holidays = value.holidays ?? [];
  const setWeekly = (weekly: BusinessHours['weekly']): void => onChange({ ...value, weekly });
  const setHolidays = (list: NonNullable<BusinessHours['holidays']>): void => onChange({ ...value, holidays: list });

  return (
    <div className="business-hours">
      <FormField label={t('hours.timeZone')} name="timeZone" value={value.timeZone} onChange={(timeZone) => onChange({ ...value, timeZone })} list={zonesId} hint={t('hours.timeZoneHint')} error={errorAt('timeZone')} />
      <datalist id={zonesId}>
        {knownTimeZones().map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      <table className="data-table">
        <caption>{t('hours.weekly')}</caption>
        <tbody>
          {weekdaySchema.options.map((day) => {
            const periods = value.weekly.map((p, index) => ({ ...p, index })).filter((p) => p.day === day);
            return (
              <tr key={day}>
                <th scope="row">{t(`weekday.${day}`)}</th>
                <td>
                  {periods.length === 0 ? <span>{t('hours.closed')}</span> : null}
                  {periods.map((period) => (
                    <div className="row" key={period.index}>
                      <input className="clock" inputMode="numeric" pattern={CLOCK} placeholder="09:00" aria-label={t('hours.openOn', { day: t(`weekday.${day}`) })} value={period.open} onChange={(event) => setWeekly(value.weekly.map((p, i) => (i === period.index ? { ...p, open: event.target.value } : p)))} />
                      <span aria-hidden="true">–</span>
                      <input className="clock" inputMode="numeric" pattern={CLOCK} placeholder="17:00" aria-label={t('hours.closeOn', { day: t(`weekday.${day}`) })} value={period.close} onChange={(event) => setWeekly(value.weekly.map((p, i) => (i === period.index ? { ...p, close: event.target.value } : p)))} />
                      <button type="button" className="link-button" onClick={() => setWeekly(value.weekly.filter((_, i) => i !== period.index))}>
                        {t('common.remove')}
                      </button>
                      {errorAt(`weekly.${period.index}.open`) ?? errorAt(`weekly.${period.index}.close`) ? <p className="field__error">{errorAt(`weekly.${period.index}.open`) ?? errorAt(`weekly.${period.index}.close`)}</p> : null}
                    </div>
                  ))}
                  <button type="button" className="link-button" onClick={() => setWeekly([...value.weekly, { day, open: '09:00', close: '17:00' }])}>
                    {t('hours.addPeriod', { day: t(`weekday.${day}`) })}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <fieldset>
        <legend>{t('hours.holidays')}</legend>
        {holidays.length === 0 ? <p>{t('hours.noHolidays')}</p> : null}
        {holidays.map((holiday, index) => (
          <div className="row" key={index}>
            <FormField label={t('hours.holidayDate')} name={`holidays.${index}.date`} type="date" value={holiday.date} onChange={(date) => setHolidays(holidays.map((h, i) => (i === index ? { ...h, date } : h)))} error={errorAt(`holidays.${index}.date`)} />
            <FormField label={t('hours.holidayName')} name={`holidays.${index}.name`} value={holiday.name ?? ''} onChange={(name) => setHolidays(holidays.map((h, i) => (i === index ? { ...h, name: name || undefined } : h)))} />
            <button type="button" className="link-button" onClick={() => setHolidays(holidays.filter((_, i) => i !== index))}>
              {t('common.remove')}
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setHolidays([...holidays, { date: new Date().toISOString().slice(0, 10) }])}>
          {t('hours.addHoliday')}
        </button>
      </fieldset>
    </div>
  );
}
