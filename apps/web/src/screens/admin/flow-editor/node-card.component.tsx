import { flowErrorCodeSchema, flowNodeIdSchema, flowWarningCodeSchema, type FlowNodeType } from '@parley/contracts';
import { useId, useState, type ReactNode } from 'react';
import { useI18n } from '../../../i18n/i18n.provider';
import { FormField } from '../../form-field.component';
import { Data, SelectField } from '../../form/fields.component';
import { defaultNode, NODE_TYPES, type EditableNode, type NodeIssue } from './flow-model';
import { NodeFields, type NodeContext } from './node-fields.component';

interface NodeCardProps {
  node: EditableNode;
  isStart: boolean;
  issues: readonly NodeIssue[];
  ctx: NodeContext;
  usedIds: ReadonlySet<string>;
  onChange(node: EditableNode): void;
  onRename(to: string): void;
  onMakeStart(): void;
  onRemove(): void;
}

/** One node: its id, type and label, the form of its type, and what the validator or the server said about it. */
export function NodeCard({ node, isStart, issues, ctx, usedIds, onChange, onRename, onMakeStart, onRemove }: NodeCardProps): ReactNode {
  const { t } = useI18n();
  const titleId = useId();
  const changeType = (type: FlowNodeType): void => onChange(defaultNode(type, node.id, ctx.targets[0]?.id ?? node.id, ctx.locales, node.label));
  return (
    <section className={issues.some((i) => i.severity === 'error') ? 'node-card node-card--invalid' : 'node-card'} aria-labelledby={titleId} data-node-id={node.id}>
      <h3 id={titleId}>
        <Data>{node.id}</Data> · {t(`nodeType.${node.type}`)}
        {isStart ? <span className="badge">{t('node.start')}</span> : null}
      </h3>
      <NodeIssues issues={issues} />
      <div className="form-grid">
        <RenameField id={node.id} usedIds={usedIds} onRename={onRename} />
        <SelectField label={t('node.type')} name="type" value={node.type} options={NODE_TYPES.map((type) => ({ value: type, label: t(`nodeType.${type}`) }))} onChange={(type) => changeType(type as FlowNodeType)} />
        <FormField label={t('node.label')} name="label" value={node.label ?? ''} onChange={(label) => onChange({ ...node, label: label === '' ? undefined : label })} error={ctx.error('label')} />
      </div>
      <NodeFields node={node} onChange={onChange} ctx={ctx} />
      <div className="actions">
        {isStart ? null : (
          <button type="button" className="secondary" onClick={onMakeStart}>
            {t('node.makeStart')}
          </button>
        )}
        <button type="button" className="danger" onClick={onRemove}>
          {t('node.remove')}
        </button>
      </div>
    </section>
  );
}

/** The node's issues, errors first. */
function NodeIssues({ issues }: { issues: readonly NodeIssue[] }): ReactNode {
  const { t } = useI18n();
  if (issues.length === 0) return null;
  const sorted = [...issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return (
    <ul className="node-issues" aria-label={t('node.issues')}>
      {sorted.map((issue, index) => (
        <li key={index} className={`node-issue node-issue--${issue.severity}`} data-issue-code={issue.code}>
          <strong>{issue.severity === 'error' ? t('issue.error') : t('issue.warning')}</strong> {issueTitle(issue, t)}
          {issue.field ? (
            <>
              {' '}
              (<Data>{issue.field}</Data>)
            </>
          ) : null}
          : <Data>{issue.message}</Data>
        </li>
      ))}
    </ul>
  );
}

export function issueTitle(issue: NodeIssue, t: ReturnType<typeof useI18n>['t']): string {
  const error = flowErrorCodeSchema.safeParse(issue.code);
  if (error.success) return t(`flowError.${error.data}`);
  const warning = flowWarningCodeSchema.safeParse(issue.code);
  if (warning.success) return t(`flowWarning.${warning.data}`);
  return t('flowError.refused');
}

export { NodeIssues };

function RenameField({ id, usedIds, onRename }: { id: string; usedIds: ReadonlySet<string>; onRename(to: string): void }): ReactNode {
  const { t } = useI18n();
  const [value, setValue] = useState(id);
  const problem = value === id ? undefined : !flowNodeIdSchema.safeParse(value).success ? t('node.idFormat') : usedIds.has(value) ? t('node.idTaken') : undefined;
  return (
    <div className="rename">
      <FormField label={t('node.id')} name="id" value={value} onChange={setValue} error={problem} />
      <button type="button" className="secondary" disabled={value === id || problem !== undefined} onClick={() => onRename(value)}>
        {t('node.rename')}
      </button>
    </div>
  );
}
