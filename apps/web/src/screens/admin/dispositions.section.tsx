import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { type DispositionCode } from '../../api/cti-api.client';
import { useI18n } from '../../i18n/i18n.provider';
import { FormAlert, FormField } from '../form-field.component';
import { Data } from '../form/fields.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';

/** Disposition codes agents choose at wrap-up: add, relabel, switch on or off. */
export function DispositionsSection(): ReactNode {
  const { t } = useI18n();
  const { cti } = useServices();
  const load = useCallback(() => cti.listDispositionCodes(), [cti]);
  const { result, reload } = useLoad(load);
  return (
    <section aria-labelledby="dispositions-title">
      <h1 id="dispositions-title">{t('admin.section.dispositions')}</h1>
      <Loaded result={result}>
        {(codes) => (
          <>
            {codes.length === 0 ? <p>{t('dispositions.none')}</p> : null}
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t('dispositions.code')}</th>
                  <th scope="col">{t('dispositions.label')}</th>
                  <th scope="col">{t('dispositions.active')}</th>
                </tr>
              </thead>
              <tbody>
                {codes.map((code) => (
                  <DispositionRow key={`${code.code}:${code.label}:${String(code.active)}`} code={code} onSaved={reload} />
                ))}
              </tbody>
            </table>
            <CreateDispositionForm onCreated={reload} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function DispositionRow({ code, onSaved }: { code: DispositionCode; onSaved(): void }): ReactNode {
  const { t } = useI18n();
  const { cti } = useServices();
  const action = useAction();
  const [label, setLabel] = useState(code.label);
  const save = (change: { label: string; active: boolean }): void => void action.run(() => cti.updateDispositionCode(code.code, change)).then((ok) => ok && onSaved());
  const error = [action.errors.at('label'), ...action.errors.unclaimed(['label'], t)].filter(Boolean).join(' ');
  return (
    <tr>
      <td>
        <Data>{code.code}</Data>
      </td>
      <td>
        <div className="inline-form">
          <input aria-label={t('dispositions.labelOf', { code: code.code })} value={label} onChange={(event) => setLabel(event.target.value)} />
          <button type="button" disabled={action.busy || label === code.label} onClick={() => save({ label, active: code.active })}>
            {t('common.save')}
          </button>
        </div>
        {error ? <p className="field__error">{error}</p> : null}
      </td>
      <td>
        <label className="check">
          <input type="checkbox" checked={code.active} disabled={action.busy} onChange={(event) => save({ label: code.label, active: event.target.checked })} /> {code.active ? t('dispositions.on') : t('dispositions.off')}
        </label>
      </td>
    </tr>
  );
}

function CreateDispositionForm({ onCreated }: { onCreated(): void }): ReactNode {
  const { t } = useI18n();
  const { cti } = useServices();
  const action = useAction();
  const [values, setValues] = useState({ code: '', label: '' });
  const onSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (await action.run(() => cti.createDispositionCode({ code: values.code.trim(), label: values.label, active: true }))) {
      setValues({ code: '', label: '' });
      onCreated();
    }
  };
  return (
    <form className="panel" noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="new-disposition-title">
      <h2 id="new-disposition-title">{t('dispositions.create')}</h2>
      <FormAlert messages={action.errors.unclaimed(['code', 'label'], t)} />
      <div className="form-grid">
        <FormField label={t('dispositions.code')} name="code" value={values.code} onChange={(code) => setValues((v) => ({ ...v, code }))} error={action.errors.at('code')} />
        <FormField label={t('dispositions.label')} name="label" value={values.label} onChange={(label) => setValues((v) => ({ ...v, label }))} error={action.errors.at('label')} />
      </div>
      <button type="submit" disabled={action.busy}>
        {t('dispositions.createSubmit')}
      </button>
    </form>
  );
}
