import { useEffect, useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.provider';
import { type LiveFeedStatus } from '../../live/live-feed';
import { type AudioDevices, type Phone, type PhoneSnapshot } from '../../softphone/phone';
import { Data } from '../form/fields.component';
import { actionError } from './call-panels.component';

/** The phone's and the live feed's connection, in words. */
export function ConnectionStatus({ phone, feed }: { phone: PhoneSnapshot; feed: LiveFeedStatus }): ReactNode {
  const { t } = useI18n();
  const phoneText =
    phone.registration === 'registered'
      ? t('desktop.phone.registered')
      : phone.connection === 'disconnected'
        ? t('desktop.phone.disconnected')
        : phone.registration === 'failed'
          ? t('desktop.phone.failed')
          : t('desktop.phone.registering');
  return (
    <div className="desk-status" role="status">
      <p className={`phone-status phone-status--${phone.registration}`} data-phone-status={phone.registration}>
        {phoneText}
        {phone.problem?.kind === 'credentials' ? ` ${t('desktop.phone.noCredentials')}` : null}
        {phone.problem?.kind === 'registration' ? (
          <>
            {' '}
            (<Data>{phone.problem.detail}</Data>)
          </>
        ) : null}
      </p>
      <p className={`feed-status feed-status--${feed}`}>{t(`dashboard.feed.${feed}`)}</p>
    </div>
  );
}

/** Microphone and speaker choice (`enumerateDevices`; the output only where the browser can route audio). */
export function DevicePicker({ phone }: { phone: Phone }): ReactNode {
  const { t } = useI18n();
  const [devices, setDevices] = useState<AudioDevices | null>(null);
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    const load = (): void => {
      phone.devices().then(
        (d) => current && setDevices(d),
        (error: unknown) => current && setProblem(actionError(error, t)),
      );
    };
    load();
    // Headsets come and go: the browser says when.
    const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
    media?.addEventListener('devicechange', load);
    return () => {
      current = false;
      media?.removeEventListener('devicechange', load);
    };
  }, [phone, t]);

  if (!devices) return null;
  const choose = (kind: 'input' | 'output', value: string): void => {
    setProblem(null);
    if (kind === 'input') setInput(value);
    else setOutput(value);
    const done = kind === 'input' ? phone.useInput(value || null) : phone.useOutput(value || null);
    done.catch((error: unknown) => setProblem(actionError(error, t)));
  };
  return (
    <fieldset className="desk-devices">
      <legend>{t('desktop.devices.title')}</legend>
      <label className="inline-form">
        {t('desktop.devices.microphone')}
        <select value={input} onChange={(event) => choose('input', event.target.value)}>
          <option value="">{t('desktop.devices.default')}</option>
          {devices.inputs.map((d, i) => (
            <option key={d.deviceId} value={d.deviceId} translate={d.label ? 'no' : undefined}>
              {d.label || t('desktop.devices.unnamedMicrophone', { n: i + 1 })}
            </option>
          ))}
        </select>
      </label>
      {devices.canChooseOutput ? (
        <label className="inline-form">
          {t('desktop.devices.speaker')}
          <select value={output} onChange={(event) => choose('output', event.target.value)}>
            <option value="">{t('desktop.devices.default')}</option>
            {devices.outputs.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId} translate={d.label ? 'no' : undefined}>
                {d.label || t('desktop.devices.unnamedSpeaker', { n: i + 1 })}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {problem ? <p className="field__error">{problem}</p> : null}
    </fieldset>
  );
}
