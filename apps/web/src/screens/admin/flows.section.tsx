import { type Locale } from '@parley/contracts';
import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { type EditableFlow } from '../../api/ivr-api.types';
import { useI18n } from '../../i18n/i18n.provider';
import { Link, useRouter } from '../../routing/router';
import { FormAlert, FormField } from '../form-field.component';
import { Data } from '../form/fields.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';
import { flowEditorPath } from './admin-routes';

/** A new flow: a greeting, then goodbye; the editor takes it from there. */
export function starterFlow(name: string, locale: Locale, greeting: string): EditableFlow {
  return {
    schemaVersion: 1,
    name,
    locales: [locale],
    defaultLocale: locale,
    startNodeId: 'welcome',
    nodes: [
      { id: 'welcome', type: 'play', prompt: { [locale]: [{ kind: 'text', text: greeting, locale }] }, next: 'goodbye' },
      { id: 'goodbye', type: 'hangup' },
    ],
  };
}

/** The tenant's IVR flows: open one in the editor, or start a new one. */
export function FlowsSection(): ReactNode {
  const { t, locale } = useI18n();
  const { ivr } = useServices();
  const { navigate } = useRouter();
  const load = useCallback(() => ivr.listFlows(), [ivr]);
  const { result } = useLoad(load);
  const action = useAction();
  const [name, setName] = useState('');

  const create = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    await action.run(async () => {
      const flow = await ivr.createFlow(starterFlow(name.trim(), locale, t('flows.starterGreeting')));
      navigate(flowEditorPath(flow.id));
    });
  };

  return (
    <section aria-labelledby="flows-title">
      <h1 id="flows-title">{t('admin.section.flows')}</h1>
      <Loaded result={result}>
        {(flows) => (
          <>
            {flows.length === 0 ? <p>{t('flows.none')}</p> : null}
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t('flows.name')}</th>
                  <th scope="col">{t('flows.latest')}</th>
                  <th scope="col">{t('flows.draft')}</th>
                </tr>
              </thead>
              <tbody>
                {flows.map((flow) => (
                  <tr key={flow.id}>
                    <td>
                      <Link to={flowEditorPath(flow.id)}>
                        <Data>{flow.name}</Data>
                      </Link>
                    </td>
                    <td>{flow.latestVersion === null ? t('flows.unpublished') : t('flows.versionN', { version: flow.latestVersion })}</td>
                    <td>{t('flows.revision', { revision: flow.draftRevision })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Loaded>
      <form className="panel" noValidate onSubmit={(event) => void create(event)} aria-labelledby="new-flow-title">
        <h2 id="new-flow-title">{t('flows.create')}</h2>
        <FormAlert messages={action.errors.unclaimed(['document'], t)} />
        <FormField label={t('flows.name')} name="name" value={name} onChange={setName} error={action.errors.at('document.name')} />
        <button type="submit" disabled={action.busy}>
          {t('flows.createSubmit')}
        </button>
      </form>
    </section>
  );
}
