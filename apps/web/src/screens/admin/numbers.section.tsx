import { type PhoneNumberView } from '@parley/contracts';
import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { type FlowSummaryView, type IvrNumberView } from '../../api/ivr-api.types';
import { useI18n } from '../../i18n/i18n.provider';
import { FormAlert, FormField } from '../form-field.component';
import { Data } from '../form/fields.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';

interface NumberRow {
  number: PhoneNumberView;
  binding: IvrNumberView['binding'];
}

/** The tenant's phone numbers: add, release, and bind each to an IVR flow (a pinned version or the latest). */
export function NumbersSection(): ReactNode {
  const { t } = useI18n();
  const { tenantAdmin, ivr } = useServices();
  const load = useCallback(async () => {
    const [numbers, bindings, flows] = await Promise.all([tenantAdmin.listPhoneNumbers(), ivr.listNumbers(), ivr.listFlows()]);
    const byId = new Map(bindings.map((b) => [b.numberId, b.binding]));
    return { rows: numbers.map((number): NumberRow => ({ number, binding: byId.get(number.id) ?? null })), flows };
  }, [tenantAdmin, ivr]);
  const { result, reload } = useLoad(load);
  const action = useAction();
  const act = (task: () => Promise<unknown>): void => void action.run(task).then((ok) => ok && reload());

  return (
    <section aria-labelledby="numbers-title">
      <h1 id="numbers-title">{t('admin.section.numbers')}</h1>
      <Loaded result={result}>
        {({ rows, flows }) => (
          <>
            <FormAlert messages={action.errors.unclaimed([], t)} />
            {rows.length === 0 ? <p>{t('numbers.none')}</p> : null}
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t('numbers.number')}</th>
                  <th scope="col">{t('numbers.label')}</th>
                  <th scope="col">{t('numbers.flow')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <NumberRowView key={row.number.id} row={row} flows={flows} busy={action.busy} act={act} />
                ))}
              </tbody>
            </table>
            <AddNumberForm onAdded={reload} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function NumberRowView({ row, flows, busy, act }: { row: NumberRow; flows: FlowSummaryView[]; busy: boolean; act(task: () => Promise<unknown>): void }): ReactNode {
  const { t } = useI18n();
  const { tenantAdmin, ivr } = useServices();
  const { number, binding } = row;
  const [flowId, setFlowId] = useState(binding?.flowId ?? flows.find((f) => f.latestVersion !== null)?.id ?? '');
  const [version, setVersion] = useState<string>(binding ? String(binding.version) : 'latest');
  const flow = flows.find((f) => f.id === flowId);
  const versions = flow?.latestVersion ? Array.from({ length: flow.latestVersion }, (_, i) => i + 1) : [];
  return (
    <tr>
      <td>
        <Data>{number.e164}</Data>
      </td>
      <td>
        <Data>{number.label ?? ''}</Data>
      </td>
      <td>
        <p>
          {binding ? (
            <>
              <Data>{binding.flowName}</Data>{' '}
              {binding.version === 'latest' ? t('numbers.boundLatest', { version: binding.resolvedVersion }) : t('numbers.boundVersion', { version: binding.version })}
            </>
          ) : (
            t('numbers.unbound')
          )}
        </p>
        <div className="inline-form">
          <select aria-label={t('numbers.flowFor', { number: number.e164 })} value={flowId} onChange={(event) => setFlowId(event.target.value)}>
            <option value="">{t('numbers.chooseFlow')}</option>
            {flows.map((f) => (
              <option key={f.id} value={f.id} disabled={f.latestVersion === null} translate="no">
                {f.name}
              </option>
            ))}
          </select>
          <select aria-label={t('numbers.versionFor', { number: number.e164 })} value={version} onChange={(event) => setVersion(event.target.value)}>
            <option value="latest">{t('numbers.latest')}</option>
            {versions.map((v) => (
              <option key={v} value={String(v)}>
                {t('flows.versionN', { version: v })}
              </option>
            ))}
          </select>
          <button type="button" disabled={busy || flowId === ''} onClick={() => act(() => ivr.bindNumber(number.id, flowId, version === 'latest' ? 'latest' : Number(version)))}>
            {t('numbers.bind')}
          </button>
          {binding ? (
            <button type="button" className="secondary" disabled={busy} onClick={() => act(() => ivr.unbindNumber(number.id))}>
              {t('numbers.unbind')}
            </button>
          ) : null}
        </div>
      </td>
      <td>
        <button type="button" className="danger" disabled={busy} onClick={() => act(() => tenantAdmin.releasePhoneNumber(number.id))} aria-label={t('numbers.releaseNumber', { number: number.e164 })}>
          {t('numbers.release')}
        </button>
      </td>
    </tr>
  );
}

function AddNumberForm({ onAdded }: { onAdded(): void }): ReactNode {
  const { t } = useI18n();
  const { tenantAdmin } = useServices();
  const action = useAction();
  const [values, setValues] = useState({ e164: '', label: '' });
  const onSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const label = values.label.trim();
    if (await action.run(() => tenantAdmin.addPhoneNumber({ e164: values.e164.trim(), ...(label ? { label } : {}) }))) {
      setValues({ e164: '', label: '' });
      onAdded();
    }
  };
  return (
    <form className="panel" noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="add-number-title">
      <h2 id="add-number-title">{t('numbers.add')}</h2>
      <FormAlert messages={action.errors.unclaimed(['e164', 'label'], t)} />
      <div className="form-grid">
        <FormField label={t('numbers.number')} name="e164" type="tel" value={values.e164} onChange={(e164) => setValues((v) => ({ ...v, e164 }))} hint={t('numbers.numberHint')} error={action.errors.at('e164')} />
        <FormField label={t('numbers.label')} name="label" value={values.label} onChange={(label) => setValues((v) => ({ ...v, label }))} error={action.errors.at('label')} />
      </div>
      <button type="submit" disabled={action.busy}>
        {t('numbers.addSubmit')}
      </button>
    </form>
  );
}
