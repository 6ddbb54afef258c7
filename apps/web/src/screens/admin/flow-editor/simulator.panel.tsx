import { type Locale, type SimulationTrace } from '@parley/contracts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useServices } from '../../../api/app-services.provider';
import { type FlowVersionSummaryView } from '../../../api/ivr-api.types';
import { useI18n } from '../../../i18n/i18n.provider';
import { FormAlert, FormField } from '../../form-field.component';
import { Data, SelectField } from '../../form/fields.component';
import { useAction } from '../../form/use-action';
import { NODE_TYPES } from './flow-model';

/** `1, 1234#, , 9` → one answer per question; an empty answer is silence. */
export function parseDigitScript(text: string): { digits: string }[] {
  if (text.trim() === '') return [];
  return text.split(',').map((answer) => ({ digits: answer.replace(/\s+/g, '') }));
}

/** A `datetime-local` value (the browser's local time) as an instant with its offset. */
function localToIso(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function nowLocal(now: number): string {
  const date = new Date(now);
  const local = new Date(now - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

interface SimulatorPanelProps {
  flowId: string;
  locales: readonly Locale[];
  versions: readonly FlowVersionSummaryView[];
  /** Saves unsaved edits first, so the simulator runs what is on screen. */
  beforeRun(): Promise<boolean>;
}

/** Runs one scripted call through the draft (or a version) on the server and shows its trace. */
export function SimulatorPanel({ flowId, locales, versions, beforeRun }: SimulatorPanelProps): ReactNode {
  const { t } = useI18n();
  const { ivr, now } = useServices();
  const action = useAction();
  const [values, setValues] = useState({ version: 'draft', digits: '', startAt: nowLocal(now()), callerNumber: '+15555550123', locale: locales[0] ?? 'en' });
  const [trace, setTrace] = useState<SimulationTrace | null>(null);
  const set = (key: keyof typeof values) => (value: string) => setValues((v) => ({ ...v, [key]: value }));

  const run = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (values.version === 'draft' && !(await beforeRun())) return;
    await action.run(async () => {
      const script = { startAt: localToIso(values.startAt), callerNumber: values.callerNumber.trim(), locale: values.locale as Locale, digits: parseDigitScript(values.digits) };
      setTrace(await ivr.simulate(flowId, { ...(values.version === 'draft' ? {} : { version: Number(values.version) }), script }));
    });
  };

  const scriptField = (path: string): string | undefined => action.errors.under(`script.${path}`);
  return (
    <section className="panel" aria-labelledby="simulator-title">
      <h2 id="simulator-title">{t('simulator.title')}</h2>
      <form noValidate onSubmit={(event) => void run(event)}>
        <FormAlert messages={action.errors.unclaimed(['script', 'version'], t)} />
        <div className="form-grid">
          <SelectField
            label={t('simulator.version')}
            name="version"
            value={values.version}
            options={[{ value: 'draft', label: t('simulator.draft') }, ...versions.map((v) => ({ value: String(v.version), label: t('flows.versionN', { version: v.version }) }))]}
            onChange={set('version')}
            error={action.errors.at('version')}
          />
          <FormField label={t('simulator.digits')} name="digits" value={values.digits} onChange={set('digits')} hint={t('simulator.digitsHint')} error={scriptField('digits')} />
          <FormField label={t('simulator.startAt')} name="startAt" type="datetime-local" value={values.startAt} onChange={set('startAt')} hint={t('simulator.startAtHint')} error={scriptField('startAt')} />
          <FormField label={t('simulator.callerNumber')} name="callerNumber" type="tel" value={values.callerNumber} onChange={set('callerNumber')} error={scriptField('callerNumber')} />
          <SelectField label={t('simulator.locale')} name="locale" value={values.locale} options={locales.map((l) => ({ value: l, label: t(`language.${l}`) }))} onChange={set('locale')} />
        </div>
        <button type="submit" disabled={action.busy}>
          {t('simulator.run')}
        </button>
      </form>
      {trace ? <TraceView trace={trace} /> : null}
    </section>
  );
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** What happened on the simulated call: the outcome, each node visited, what was played, the variables. */
export function TraceView({ trace }: { trace: SimulationTrace }): ReactNode {
  const { t } = useI18n();
  return (
    <section className="trace" aria-labelledby="trace-title">
      <h3 id="trace-title">{t('simulator.trace')}</h3>
      <p data-testid="trace-outcome">
        {t('simulator.outcome', { outcome: t(`outcome.${trace.outcome}`), seconds: seconds(trace.durationMs) })}
        {trace.reason ? (
          <>
            {' '}
            (<Data>{trace.reason}</Data>)
          </>
        ) : null}
      </p>
      <table className="data-table">
        <caption>{t('simulator.nodes')}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('node.id')}</th>
            <th scope="col">{t('node.type')}</th>
            <th scope="col">{t('simulator.at')}</th>
            <th scope="col">{t('simulator.exit')}</th>
          </tr>
        </thead>
        <tbody>
          {trace.nodes.map((visit) => (
            <tr key={visit.visit}>
              <td>{visit.visit}</td>
              <td>
                <Data>{visit.nodeId}</Data>
              </td>
              <td>{isNodeType(visit.nodeType) ? t(`nodeType.${visit.nodeType}`) : <Data>{visit.nodeType}</Data>}</td>
              <td>{seconds(visit.enteredAtMs)}</td>
              <td>
                <Data>{[visit.exit, visit.detail].filter(Boolean).join(' — ')}</Data>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>{t('simulator.prompts')}</h4>
      {trace.prompts.length === 0 ? <p>{t('simulator.noPrompts')}</p> : null}
      <ol className="trace__prompts">
        {trace.prompts.map((p) => (
          <li key={p.commandId + p.atMs + JSON.stringify(p.prompt)}>
            {seconds(p.atMs)} · <Data>{p.nodeId}</Data>: <Data>{p.prompt.kind === 'text' ? p.prompt.text : p.prompt.uri}</Data>
          </li>
        ))}
      </ol>
      <h4>{t('simulator.variables')}</h4>
      {Object.keys(trace.variables).length === 0 ? <p>{t('simulator.noVariables')}</p> : null}
      <dl className="trace__variables">
        {Object.entries(trace.variables).map(([name, value]) => (
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
    </section>
  );
}

const isNodeType = (type: string): type is (typeof NODE_TYPES)[number] => (NODE_TYPES as readonly string[]).includes(type);
