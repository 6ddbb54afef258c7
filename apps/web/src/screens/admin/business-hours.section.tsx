import { type FlowNode } from '@parley/contracts';
import { useCallback, useState, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { type FlowView } from '../../api/ivr-api.types';
import { useI18n } from '../../i18n/i18n.provider';
import { Link } from '../../routing/router';
import { FormAlert } from '../form-field.component';
import { Data } from '../form/fields.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';
import { flowEditorPath } from './admin-routes';
import { BusinessHoursForm, type BusinessHours } from './flow-editor/business-hours.form';
import { issuesFromApiError } from './flow-editor/flow-model';

type ConditionNode = Extract<FlowNode, { type: 'condition' }>;
type HoursNode = ConditionNode & { test: Extract<ConditionNode['test'], { kind: 'business-hours' }> };

const isHoursNode = (node: FlowNode): node is HoursNode => node.type === 'condition' && node.test.kind === 'business-hours';

/**
 * Business hours live in the flows, as the business-hours checks of their condition nodes: this
 * page lists every such check and edits each in its own form (saved to the flow's draft).
 */
export function BusinessHoursSection(): ReactNode {
  const { t } = useI18n();
  const { ivr } = useServices();
  const load = useCallback(async () => Promise.all((await ivr.listFlows()).map((f) => ivr.getFlow(f.id))), [ivr]);
  const { result, reload } = useLoad(load);
  return (
    <section aria-labelledby="hours-title">
      <h1 id="hours-title">{t('admin.section.hours')}</h1>
      <p>{t('hours.intro')}</p>
      <Loaded result={result}>
        {(flows) => {
          const checks = flows.flatMap((flow) => flow.draft.nodes.filter(isHoursNode).map((node) => ({ flow, node })));
          if (checks.length === 0) return <p>{t('hours.none')}</p>;
          return checks.map(({ flow, node }) => <HoursCard key={`${flow.id}:${node.id}:${flow.draftRevision}`} flow={flow} node={node} onSaved={reload} />);
        }}
      </Loaded>
    </section>
  );
}

function HoursCard({ flow, node, onSaved }: { flow: FlowView; node: HoursNode; onSaved(): void }): ReactNode {
  const { t } = useI18n();
  const { ivr } = useServices();
  const [hours, setHours] = useState<BusinessHours>(node.test);
  const action = useAction();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const titleId = `hours-${flow.id}-${node.id}`;

  const save = async (): Promise<void> => {
    setFieldErrors({});
    const document = { ...flow.draft, nodes: flow.draft.nodes.map((n) => (n.id === node.id ? { ...node, test: hours } : n)) };
    const ok = await action.run(async () => {
      try {
        await ivr.saveDraft(flow.id, document, flow.draftRevision);
      } catch (error) {
        const issues = issuesFromApiError(error, document.nodes)?.byNode[node.id];
        if (issues) setFieldErrors(Object.fromEntries(issues.map((i) => [i.field.replace(/^test\./, ''), i.message])));
        throw error;
      }
    });
    if (ok) onSaved();
  };

  return (
    <article className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>
        <Data>{flow.name}</Data> · <Data>{node.label ?? node.id}</Data>
      </h2>
      <p>
        <Link to={flowEditorPath(flow.id)}>{t('hours.openFlow')}</Link>
      </p>
      {Object.keys(fieldErrors).length === 0 ? <FormAlert messages={action.errors.unclaimed([], t)} /> : null}
      <BusinessHoursForm value={hours} onChange={setHours} errorAt={(field) => fieldErrors[field]} />
      <button type="button" disabled={action.busy} onClick={() => void save()}>
        {t('hours.save')}
      </button>
    </article>
  );
}
