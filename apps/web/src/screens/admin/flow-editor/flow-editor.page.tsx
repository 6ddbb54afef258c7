import { localeSchema, type FlowNodeType, type Locale } from '@parley/contracts';
import { useCallback, useState, type ReactNode } from 'react';
import { useServices } from '../../../api/app-services.provider';
import { type EditableFlow, type FlowVersionSummaryView, type FlowView } from '../../../api/ivr-api.types';
import { useI18n } from '../../../i18n/i18n.provider';
import { Link } from '../../../routing/router';
import { describeError } from '../../form-errors';
import { FormAlert, FormField } from '../../form-field.component';
import { CheckboxField, Data, SelectField } from '../../form/fields.component';
import { Loaded } from '../../form/load-state.component';
import { useLoad } from '../../form/use-load';
import { adminPath } from '../admin-routes';
import { defaultNode, freshNodeId, issuesFromApiError, issuesFromValidation, NO_ISSUES, NODE_TYPES, renameNode, type EditableNode, type FlowIssues } from './flow-model';
import { NodeCard, NodeIssues } from './node-card.component';
import { SimulatorPanel } from './simulator.panel';

/** The form-based IVR flow editor: loads the flow, its versions and the queue ids for suggestions. */
export function FlowEditorPage({ flowId }: { flowId: string }): ReactNode {
  const { ivr, acd } = useServices();
  const load = useCallback(async () => {
    const [flow, versions] = await Promise.all([ivr.getFlow(flowId), ivr.listVersions(flowId)]);
    // Suggestions only: the editor works without them.
    const queueIds = await acd.listQueues().then(
      (queues) => queues.map((q) => q.queueId),
      () => [],
    );
    return { flow, versions, queueIds };
  }, [ivr, acd, flowId]);
  const { result } = useLoad(load);
  return <Loaded result={result}>{(data) => <FlowEditor {...data} />}</Loaded>;
}

interface FlowEditorProps {
  flow: FlowView;
  versions: FlowVersionSummaryView[];
  queueIds: string[];
}

type Notice = { kind: 'saved' } | { kind: 'valid' } | { kind: 'published'; version: number } | null;

function FlowEditor({ flow, versions: initialVersions, queueIds }: FlowEditorProps): ReactNode {
  const { t } = useI18n();
  const { ivr } = useServices();
  const [doc, setDoc] = useState<EditableFlow>(flow.draft);
  const [revision, setRevision] = useState(flow.draftRevision);
  const [dirty, setDirty] = useState(false);
  const [issues, setIssues] = useState<FlowIssues>(() => issuesFromValidation(flow.validation));
  const [failure, setFailure] = useState<string[]>([]);
  const [notice, setNotice] = useState<Notice>(null);
  const [versions, setVersions] = useState(initialVersions);
  const [busy, setBusy] = useState(false);
  const [newType, setNewType] = useState<FlowNodeType>('play');

  const edit = (next: EditableFlow): void => {
    setDoc(next);
    setDirty(true);
    setNotice(null);
  };
  const editNode = (index: number, node: EditableNode): void => edit({ ...doc, nodes: doc.nodes.map((n, i) => (i === index ? node : n)) });

  /** Runs a server step; a field error lands on its node, anything else on top. */
  const step = async (task: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setFailure([]);
    setNotice(null);
    try {
      await task();
      return true;
    } catch (error) {
      const byNode = issuesFromApiError(error, doc.nodes);
      if (byNode) setIssues(byNode);
      else setFailure([describeError(error, t)]);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const saveNow = async (): Promise<void> => {
    const saved = await ivr.saveDraft(flow.id, doc, revision);
    setRevision(saved.draftRevision);
    setIssues(issuesFromValidation(saved.validation));
    setDirty(false);
  };
  const save = (): Promise<boolean> => step(async () => {
    await saveNow();
    setNotice({ kind: 'saved' });
  });
  const saveIfDirty = (): Promise<boolean> => (dirty ? step(saveNow) : Promise.resolve(true));

  const validate = (): Promise<boolean> =>
    step(async () => {
      if (dirty) await saveNow();
      const validation = await ivr.validate(flow.id);
      setIssues(issuesFromValidation(validation));
      if (validation.valid) setNotice({ kind: 'valid' });
    });

  const publish = (): Promise<boolean> =>
    step(async () => {
      if (dirty) await saveNow();
      const published = await ivr.publish(flow.id, dirty ? undefined : revision);
      setIssues({ byNode: {}, flow: [] });
      setNotice({ kind: 'published', version: published.version });
      setVersions(await ivr.listVersions(flow.id));
    });

  const usedIds = new Set(doc.nodes.map((n) => n.id));
  const addNode = (): void => {
    const id = freshNodeId(doc, newType);
    edit({ ...doc, nodes: [...doc.nodes, defaultNode(newType, id, doc.nodes[0]?.id ?? id, doc.locales)] });
  };
  const toggleLocale = (locale: Locale, on: boolean): void => {
    const locales = on ? [...doc.locales, locale] : doc.locales.filter((l) => l !== locale);
    if (locales.length === 0) return;
    edit({ ...doc, locales, defaultLocale: locales.includes(doc.defaultLocale) ? doc.defaultLocale : (locales[0] as Locale) });
  };

  return (
    <div className="flow-editor">
      <p>
        <Link to={adminPath('flows')}>{t('flows.back')}</Link>
      </p>
      <h1>
        {t('flows.editing')} <Data>{doc.name}</Data>
      </h1>
      <p className="summary">
        {t('flows.revision', { revision })} {dirty ? <span className="badge">{t('flows.unsaved')}</span> : null}
      </p>
      <div className="actions toolbar" role="toolbar" aria-label={t('flows.actions')}>
        <button type="button" disabled={busy} onClick={() => void save()}>
          {t('flows.save')}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => void validate()}>
          {t('flows.validate')}
        </button>
        <button type="button" disabled={busy} onClick={() => void publish()}>
          {t('flows.publish')}
        </button>
      </div>
      <div aria-live="polite">
        {notice?.kind === 'saved' ? <p className="notice">{t('flows.saved')}</p> : null}
        {notice?.kind === 'valid' ? <p className="notice">{t('flows.valid')}</p> : null}
        {notice?.kind === 'published' ? <p className="notice">{t('flows.published', { version: notice.version })}</p> : null}
      </div>
      <FormAlert messages={failure} />
      <FlowLevelIssues issues={issues} />

      <fieldset className="panel">
        <legend>{t('flows.settings')}</legend>
        <div className="form-grid">
          <FormField label={t('flows.name')} name="name" value={doc.name} onChange={(name) => edit({ ...doc, name })} />
          <SelectField label={t('flows.start')} name="startNodeId" value={doc.startNodeId} options={doc.nodes.map((n) => ({ value: n.id, label: n.id, data: true }))} onChange={(startNodeId) => edit({ ...doc, startNodeId })} />
          <SelectField label={t('flows.defaultLocale')} name="defaultLocale" value={doc.defaultLocale} options={doc.locales.map((l) => ({ value: l, label: t(`language.${l}`) }))} onChange={(l) => edit({ ...doc, defaultLocale: l as Locale })} />
        </div>
        <div role="group" aria-label={t('flows.locales')}>
          {localeSchema.options.map((locale) => (
            <CheckboxField key={locale} label={t(`language.${locale}`)} name={`locales.${locale}`} checked={doc.locales.includes(locale)} onChange={(on) => toggleLocale(locale, on)} />
          ))}
        </div>
      </fieldset>

      <h2>{t('flows.nodes')}</h2>
      {doc.nodes.map((node, index) => (
        <NodeCard
          key={`${index}:${node.id}`}
          node={node}
          isStart={node.id === doc.startNodeId}
          issues={issues.byNode[node.id] ?? []}
          usedIds={usedIds}
          ctx={{
            locales: doc.locales,
            targets: doc.nodes.filter((n) => n.id !== node.id).map((n) => ({ id: n.id, label: n.label })),
            queueIds,
            error: (field) => issues.byNode[node.id]?.find((i) => i.code === undefined && i.field === field)?.message,
          }}
          onChange={(next) => editNode(index, next)}
          onRename={(to) => edit(renameNode(doc, node.id, to))}
          onMakeStart={() => edit({ ...doc, startNodeId: node.id })}
          onRemove={() => doc.nodes.length > 1 && edit({ ...doc, nodes: doc.nodes.filter((_, i) => i !== index) })}
        />
      ))}
      <div className="inline-form panel">
        <SelectField label={t('flows.newNodeType')} name="newNodeType" value={newType} options={NODE_TYPES.map((type) => ({ value: type, label: t(`nodeType.${type}`) }))} onChange={(type) => setNewType(type as FlowNodeType)} />
        <button type="button" className="secondary" onClick={addNode}>
          {t('flows.addNode')}
        </button>
      </div>

      <VersionsPanel versions={versions} />
      <SimulatorPanel flowId={flow.id} locales={doc.locales} versions={versions} beforeRun={saveIfDirty} />
    </div>
  );
}

function FlowLevelIssues({ issues }: { issues: FlowIssues }): ReactNode {
  const { t } = useI18n();
  if (issues === NO_ISSUES || issues.flow.length === 0) return null;
  return (
    <div className="panel" aria-label={t('flows.flowIssues')} role="group">
      <NodeIssues issues={issues.flow} />
    </div>
  );
}

function VersionsPanel({ versions }: { versions: readonly FlowVersionSummaryView[] }): ReactNode {
  const { t, locale } = useI18n();
  return (
    <section className="panel" aria-labelledby="versions-title">
      <h2 id="versions-title">{t('flows.versions')}</h2>
      {versions.length === 0 ? <p>{t('flows.noVersions')}</p> : null}
      <ul>
        {[...versions].reverse().map((v) => (
          <li key={v.version}>
            {t('flows.versionN', { version: v.version })} · {t('flows.publishedAt', { at: new Date(v.publishedAt).toLocaleString(locale) })}
          </li>
        ))}
      </ul>
    </section>
  );
}
