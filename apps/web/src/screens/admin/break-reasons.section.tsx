import { useCallback, useState, type ReactNode } from 'react';
import { type BreakReason, type BreakReasonsView } from '../../api/acd-api.types';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { FormAlert } from '../form-field.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';

/** The acd's limit on a tenant's list (settings/break-reasons.ts). */
export const MAX_BREAK_REASONS = 30;

/** The reasons agents choose when they take a break: code and a label in each UI language. */
export function BreakReasonsSection(): ReactNode {
  const { t } = useI18n();
  const { acd } = useServices();
  const load = useCallback(() => acd.breakReasons(), [acd]);
  const { result, reload } = useLoad(load);
  const [saved, setSaved] = useState(false);
  return (
    <section aria-labelledby="breaks-title">
      <h1 id="breaks-title">{t('admin.section.breaks')}</h1>
      <p>{t('breaks.intro')}</p>
      <Loaded result={result}>
        {(view) => (
          <BreakReasonsEditor
            key={editorKey(view)}
            view={view}
            onEdit={() => setSaved(false)}
            onSaved={() => {
              setSaved(true);
              reload();
            }}
          />
        )}
      </Loaded>
      {saved ? (
        <p className="notice" role="status">
          {t('breaks.saved')}
        </p>
      ) : null}
    </section>
  );
}

/** A new editor (fresh rows) whenever the saved list changes. */
const editorKey = (view: BreakReasonsView): string => JSON.stringify(view);

interface Row {
  /** Stable across edits, so React keeps each row's inputs while rows are added and removed. */
  key: number;
  reason: BreakReason;
}

function BreakReasonsEditor({ view, onEdit, onSaved }: { view: BreakReasonsView; onEdit(): void; onSaved(): void }): ReactNode {
  const { t } = useI18n();
  const { acd } = useServices();
  const action = useAction();
  const [rows, setRows] = useState<Row[]>(() => view.breakReasons.map((reason, key) => ({ key, reason })));
  const [nextKey, setNextKey] = useState(view.breakReasons.length);
  // The server's errors name entries by position (breakReasons.2.code): they apply to the rows as sent.
  const [sentRows, setSentRows] = useState<Row[]>([]);

  const edit = (update: (all: Row[]) => Row[]): void => {
    onEdit();
    setRows(update);
  };
  const change = (key: number, update: (reason: BreakReason) => BreakReason): void => edit((all) => all.map((row) => (row.key === key ? { ...row, reason: update(row.reason) } : row)));
  const add = (): void => {
    edit((all) => [...all, { key: nextKey, reason: { code: '', labels: { en: '', 'zh-CN': '' } } }]);
    setNextKey((k) => k + 1);
  };
  const remove = (key: number): void => edit((all) => all.filter((row) => row.key !== key));
  const save = async (): Promise<void> => {
    setSentRows(rows);
    const list = rows.map(({ reason }) => ({ code: reason.code.trim(), labels: { en: reason.labels.en.trim(), 'zh-CN': reason.labels['zh-CN'].trim() } }));
    if (await action.run(() => acd.setBreakReasons(list))) onSaved();
  };
  const errorAt = (key: number, field: string): string | undefined => {
    const index = sentRows.findIndex((row) => row.key === key);
    return index < 0 ? undefined : action.errors.at(`breakReasons.${index}.${field}`);
  };
  const listError = action.errors.at('breakReasons');

  return (
    <div className="panel">
      {view.isDefault ? <p className="notice">{t('breaks.defaults')}</p> : null}
      <FormAlert messages={[...(listError ? [listError] : []), ...action.errors.unclaimed(['breakReasons'], t)]} />
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t('breaks.code')}</th>
            <th scope="col">{t('breaks.labelEn')}</th>
            <th scope="col">{t('breaks.labelZh')}</th>
            <th scope="col">{t('breaks.remove')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={row.key} data-break-reason={i}>
              <td>
                <Cell
                  label={t('breaks.codeOf', { n: i + 1 })}
                  value={row.reason.code}
                  error={errorAt(row.key, 'code')}
                  name={`breakReasons.${i}.code`}
                  onChange={(code) => change(row.key, (r) => ({ ...r, code }))}
                />
              </td>
              <td>
                <Cell
                  label={t('breaks.labelEnOf', { n: i + 1 })}
                  value={row.reason.labels.en}
                  error={errorAt(row.key, 'labels.en')}
                  name={`breakReasons.${i}.labels.en`}
                  onChange={(en) => change(row.key, (r) => ({ ...r, labels: { ...r.labels, en } }))}
                />
              </td>
              <td>
                <Cell
                  label={t('breaks.labelZhOf', { n: i + 1 })}
                  value={row.reason.labels['zh-CN']}
                  error={errorAt(row.key, 'labels.zh-CN')}
                  name={`breakReasons.${i}.labels.zh-CN`}
                  onChange={(zh) => change(row.key, (r) => ({ ...r, labels: { ...r.labels, 'zh-CN': zh } }))}
                />
              </td>
              <td>
                <button type="button" className="secondary" disabled={action.busy || rows.length <= 1} aria-label={t('breaks.removeOf', { n: i + 1 })} onClick={() => remove(row.key)}>
                  {t('breaks.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="field__hint">{t('breaks.limit', { max: MAX_BREAK_REASONS })}</p>
      <div className="actions">
        <button type="button" className="secondary" disabled={action.busy || rows.length >= MAX_BREAK_REASONS} onClick={add}>
          {t('breaks.add')}
        </button>
        <button type="button" disabled={action.busy} onClick={() => void save()}>
          {t('breaks.save')}
        </button>
      </div>
    </div>
  );
}

/** One input of the table, labelled for screen readers, with its error under it. */
function Cell({ label, value, error, name, onChange }: { label: string; value: string; error: string | undefined; name: string; onChange(value: string): void }): ReactNode {
  return (
    <>
      <input aria-label={label} value={value} aria-invalid={error ? true : undefined} onChange={(event) => onChange(event.target.value)} />
      {error ? (
        <p className="field__error" data-field-error={name}>
          {error}
        </p>
      ) : null}
    </>
  );
}
