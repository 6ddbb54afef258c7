import { comparisonOperatorSchema, type FlowNodeType, type Locale } from '@parley/contracts';
import { useId, type ReactNode } from 'react';
import { useI18n } from '../../../i18n/i18n.provider';
import { FormField } from '../../form-field.component';
import { CheckboxField, NumberField, SelectField, TextAreaField } from '../../form/fields.component';
import { BusinessHoursForm } from './business-hours.form';
import { DTMF_DIGITS, type EditableNode, type NodeOf } from './flow-model';
import { PromptsField } from './prompts-field.component';

/** What a node's form needs from the flow around it. */
export interface NodeContext {
  locales: readonly Locale[];
  /** The nodes a branch may lead to. */
  targets: readonly { id: string; label?: string | undefined }[];
  /** Queue ids the acd knows, as suggestions. */
  queueIds: readonly string[];
  /** A refused save's message for a field of this node. */
  error(field: string): string | undefined;
}

interface FieldsProps<T extends FlowNodeType> {
  node: NodeOf<T>;
  set(change: Partial<NodeOf<T>>): void;
  ctx: NodeContext;
}

/** The form for a node's own settings, by its type. */
export function NodeFields({ node, onChange, ctx }: { node: EditableNode; onChange(node: EditableNode): void; ctx: NodeContext }): ReactNode {
  const set = (change: Partial<EditableNode>): void => onChange({ ...node, ...change } as EditableNode);
  switch (node.type) {
    case 'play':
      return <PlayFields node={node} set={set} ctx={ctx} />;
    case 'menu':
      return <MenuFields node={node} set={set} ctx={ctx} />;
    case 'collect':
      return <CollectFields node={node} set={set} ctx={ctx} />;
    case 'condition':
      return <ConditionFields node={node} set={set} ctx={ctx} />;
    case 'data-dip':
      return <DataDipFields node={node} set={set} ctx={ctx} />;
    case 'set-variable':
      return <SetVariableFields node={node} set={set} ctx={ctx} />;
    case 'enqueue':
      return <EnqueueFields node={node} set={set} ctx={ctx} />;
    case 'transfer':
      return <TransferFields node={node} set={set} ctx={ctx} />;
    case 'voicemail':
      return <VoicemailFields node={node} set={set} ctx={ctx} />;
    case 'callback-offer':
      return <CallbackOfferFields node={node} set={set} ctx={ctx} />;
    case 'survey':
      return <SurveyFields node={node} set={set} ctx={ctx} />;
    case 'hangup':
      return <HangupFields node={node} set={set} ctx={ctx} />;
  }
}

/** A branch: which other node the call goes to. */
function Branch({ field, value, onChange, ctx, optional = false }: { field: string; value: string | undefined; onChange(value: string | undefined): void; ctx: NodeContext; optional?: boolean }): ReactNode {
  const { t } = useI18n();
  const known = value === undefined || value === '' || ctx.targets.some((n) => n.id === value);
  const options = [
    ...(optional ? [{ value: '', label: t('node.noBranch') }] : []),
    ...(known ? [] : [{ value: value ?? '', label: t('node.missingTarget', { id: value ?? '' }) }]),
    ...ctx.targets.map((n) => ({ value: n.id, label: n.label ? `${n.id} — ${n.label}` : n.id, data: true })),
  ];
  return <SelectField label={t(branchLabel(field))} name={field} value={value ?? ''} options={options} onChange={(v) => onChange(v === '' && optional ? undefined : v)} error={ctx.error(field)} />;
}

function branchLabel(field: string): 'node.next' | 'node.onInvalid' | 'node.onNoInput' | 'node.whenTrue' | 'node.whenFalse' | 'node.onFailure' | 'node.afterAgent' | 'node.afterHangup' | 'node.onDecline' {
  switch (field) {
    case 'onInvalid':
    case 'onNoInput':
    case 'whenTrue':
    case 'whenFalse':
    case 'onFailure':
    case 'afterAgent':
    case 'afterHangup':
    case 'onDecline':
      return `node.${field}`;
    default:
      return 'node.next';
  }
}

const optionalText = (value: string): string | undefined => (value.trim() === '' ? undefined : value);

function Prompt({ field, value, onChange, ctx, optional = false }: { field: 'prompt' | 'invalidPrompt' | 'noInputPrompt' | 'thanksPrompt' | 'confirmPrompt'; value: NodeOf<'play'>['prompt'] | undefined; onChange(value: NodeOf<'play'>['prompt'] | undefined): void; ctx: NodeContext; optional?: boolean }): ReactNode {
  const { t } = useI18n();
  return <PromptsField label={t(`node.${field}`)} name={field} value={value} onChange={onChange} locales={ctx.locales} optional={optional} error={ctx.error(field)} />;
}

function DigitSelect({ field, label, value, onChange, ctx, optional = false }: { field: string; label: string; value: string | undefined; onChange(value: string | undefined): void; ctx: NodeContext; optional?: boolean }): ReactNode {
  const { t } = useI18n();
  const options = [...(optional ? [{ value: '', label: t('node.none') }] : []), ...DTMF_DIGITS.map((d) => ({ value: d, label: d, data: true }))];
  return <SelectField label={label} name={field} value={value ?? ''} options={options} onChange={(v) => onChange(v === '' ? undefined : v)} error={ctx.error(field)} />;
}

function Retries({ value, onChange, ctx }: { value: number | undefined; onChange(value: number | undefined): void; ctx: NodeContext }): ReactNode {
  const { t } = useI18n();
  return <NumberField label={t('node.maxRetries')} name="maxRetries" value={value} min={0} max={5} onChange={onChange} error={ctx.error('maxRetries')} />;
}

function PlayFields({ node, set, ctx }: FieldsProps<'play'>): ReactNode {
  const { t } = useI18n();
  return (
    <>
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt: prompt ?? {} })} ctx={ctx} />
      <CheckboxField label={t('node.bargeIn')} name="bargeIn" checked={node.bargeIn ?? false} onChange={(bargeIn) => set({ bargeIn })} />
      <Branch field="next" value={node.next} onChange={(next) => set({ next: next ?? '' })} ctx={ctx} />
    </>
  );
}

function MenuFields({ node, set, ctx }: FieldsProps<'menu'>): ReactNode {
  const { t } = useI18n();
  const options = Object.entries(node.options) as [string, string][];
  const setOptions = (entries: [string, string][]): void => set({ options: Object.fromEntries(entries) });
  const free = DTMF_DIGITS.filter((d) => !(d in node.options));
  return (
    <>
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt: prompt ?? {} })} ctx={ctx} />
      <fieldset>
        <legend>{t('node.options')}</legend>
        {options.map(([digit, target], index) => (
          <div className="row" key={digit}>
            <DigitSelect field={`options.${digit}.key`} label={t('node.key')} value={digit} onChange={(d) => d && setOptions(options.map((o, i) => (i === index ? [d, o[1]] : o)))} ctx={ctx} />
            <Branch field={`options.${digit}`} value={target} onChange={(v) => setOptions(options.map((o, i) => (i === index ? [o[0], v ?? ''] : o)))} ctx={ctx} />
            <button type="button" className="link-button" onClick={() => setOptions(options.filter((_, i) => i !== index))}>
              {t('common.remove')}
            </button>
          </div>
        ))}
        {ctx.error('options') ? <p className="field__error">{ctx.error('options')}</p> : null}
        {free[0] !== undefined ? (
          <button type="button" className="secondary" onClick={() => setOptions([...options, [free[0] as string, ctx.targets[0]?.id ?? '']])}>
            {t('node.addOption')}
          </button>
        ) : null}
      </fieldset>
      <NumberField label={t('node.timeoutMs')} name="timeoutMs" value={node.timeoutMs} min={1000} max={120000} step={500} onChange={(timeoutMs) => set({ timeoutMs })} error={ctx.error('timeoutMs')} />
      <Retries value={node.maxRetries} onChange={(maxRetries) => set({ maxRetries })} ctx={ctx} />
      <Prompt field="invalidPrompt" value={node.invalidPrompt} onChange={(invalidPrompt) => set({ invalidPrompt })} ctx={ctx} optional />
      <Prompt field="noInputPrompt" value={node.noInputPrompt} onChange={(noInputPrompt) => set({ noInputPrompt })} ctx={ctx} optional />
      <Branch field="onInvalid" value={node.onInvalid} onChange={(onInvalid) => set({ onInvalid: onInvalid ?? '' })} ctx={ctx} />
      <Branch field="onNoInput" value={node.onNoInput} onChange={(onNoInput) => set({ onNoInput })} ctx={ctx} optional />
    </>
  );
}

function CollectFields({ node, set, ctx }: FieldsProps<'collect'>): ReactNode {
  const { t } = useI18n();
  return (
    <>
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt: prompt ?? {} })} ctx={ctx} />
      <FormField label={t('node.variable')} name="variable" value={node.variable} onChange={(variable) => set({ variable })} error={ctx.error('variable')} />
      <NumberField label={t('node.minLength')} name="minLength" value={node.minLength} min={1} max={64} onChange={(minLength) => set({ minLength })} error={ctx.error('minLength')} />
      <NumberField label={t('node.maxLength')} name="maxLength" value={node.maxLength} min={1} max={64} onChange={(maxLength) => set({ maxLength: maxLength ?? Number.NaN })} error={ctx.error('maxLength')} />
      <DigitSelect field="terminator" label={t('node.terminator')} value={node.terminator} onChange={(terminator) => set({ terminator: terminator as NodeOf<'collect'>['terminator'] })} ctx={ctx} optional />
      <FormField label={t('node.pattern')} name="pattern" value={node.pattern ?? ''} onChange={(pattern) => set({ pattern: optionalText(pattern) })} hint={t('node.patternHint')} error={ctx.error('pattern')} />
      <NumberField label={t('node.firstDigitTimeoutMs')} name="firstDigitTimeoutMs" value={node.firstDigitTimeoutMs} min={1000} max={120000} step={500} onChange={(firstDigitTimeoutMs) => set({ firstDigitTimeoutMs })} error={ctx.error('firstDigitTimeoutMs')} />
      <NumberField label={t('node.interDigitTimeoutMs')} name="interDigitTimeoutMs" value={node.interDigitTimeoutMs} min={500} max={60000} step={500} onChange={(interDigitTimeoutMs) => set({ interDigitTimeoutMs })} error={ctx.error('interDigitTimeoutMs')} />
      <Retries value={node.maxRetries} onChange={(maxRetries) => set({ maxRetries })} ctx={ctx} />
      <Prompt field="invalidPrompt" value={node.invalidPrompt} onChange={(invalidPrompt) => set({ invalidPrompt })} ctx={ctx} optional />
      <Prompt field="noInputPrompt" value={node.noInputPrompt} onChange={(noInputPrompt) => set({ noInputPrompt })} ctx={ctx} optional />
      <Branch field="next" value={node.next} onChange={(next) => set({ next: next ?? '' })} ctx={ctx} />
      <Branch field="onInvalid" value={node.onInvalid} onChange={(onInvalid) => set({ onInvalid: onInvalid ?? '' })} ctx={ctx} />
      <Branch field="onNoInput" value={node.onNoInput} onChange={(onNoInput) => set({ onNoInput })} ctx={ctx} optional />
    </>
  );
}

type ConditionTest = NodeOf<'condition'>['test'];
const TEST_KINDS = ['business-hours', 'caller-number', 'variables'] as const;

function ConditionFields({ node, set, ctx }: FieldsProps<'condition'>): ReactNode {
  const { t } = useI18n();
  const test = node.test;
  const setTest = (next: ConditionTest): void => set({ test: next });
  const fresh = (kind: (typeof TEST_KINDS)[number]): ConditionTest =>
    kind === 'business-hours'
      ? { kind, timeZone: 'UTC', weekly: [], holidays: [] }
      : kind === 'caller-number'
        ? { kind, pattern: '^\\+1' }
        : { kind, match: 'all', comparisons: [{ variable: 'input', op: 'eq', value: '' }] };
  return (
    <>
      <SelectField label={t('node.testKind')} name="test.kind" value={test.kind} options={TEST_KINDS.map((k) => ({ value: k, label: t(`test.${k}`) }))} onChange={(kind) => setTest(fresh(kind as (typeof TEST_KINDS)[number]))} />
      {test.kind === 'business-hours' ? <BusinessHoursForm value={test} onChange={setTest} errorAt={(field) => ctx.error(`test.${field}`)} /> : null}
      {test.kind === 'caller-number' ? <FormField label={t('node.pattern')} name="test.pattern" value={test.pattern} onChange={(pattern) => setTest({ ...test, pattern })} hint={t('node.callerPatternHint')} error={ctx.error('test.pattern')} /> : null}
      {test.kind === 'variables' ? <ComparisonsFields test={test} onChange={setTest} ctx={ctx} /> : null}
      <Branch field="whenTrue" value={node.whenTrue} onChange={(whenTrue) => set({ whenTrue: whenTrue ?? '' })} ctx={ctx} />
      <Branch field="whenFalse" value={node.whenFalse} onChange={(whenFalse) => set({ whenFalse: whenFalse ?? '' })} ctx={ctx} />
    </>
  );
}

function ComparisonsFields({ test, onChange, ctx }: { test: Extract<ConditionTest, { kind: 'variables' }>; onChange(test: ConditionTest): void; ctx: NodeContext }): ReactNode {
  const { t } = useI18n();
  const rows = test.comparisons;
  const setRow = (index: number, change: Partial<(typeof rows)[number]>): void => onChange({ ...test, comparisons: rows.map((r, i) => (i === index ? { ...r, ...change } : r)) });
  return (
    <fieldset>
      <legend>{t('node.comparisons')}</legend>
      <SelectField label={t('node.match')} name="test.match" value={test.match ?? 'all'} options={[{ value: 'all', label: t('node.matchAll') }, { value: 'any', label: t('node.matchAny') }]} onChange={(match) => onChange({ ...test, match: match as 'all' | 'any' })} />
      {rows.map((row, index) => (
        <div className="row" key={index}>
          <FormField label={t('node.variable')} name={`test.comparisons.${index}.variable`} value={row.variable} onChange={(variable) => setRow(index, { variable })} error={ctx.error(`test.comparisons.${index}.variable`)} />
          <SelectField label={t('node.operator')} name={`test.comparisons.${index}.op`} value={row.op} options={comparisonOperatorSchema.options.map((op) => ({ value: op, label: t(`op.${op}`) }))} onChange={(op) => setRow(index, { op: op as (typeof row)['op'] })} />
          {row.op === 'exists' || row.op === 'not-exists' ? null : <FormField label={t('node.value')} name={`test.comparisons.${index}.value`} value={row.value ?? ''} onChange={(value) => setRow(index, { value })} error={ctx.error(`test.comparisons.${index}.value`)} />}
          <button type="button" className="link-button" onClick={() => onChange({ ...test, comparisons: rows.filter((_, i) => i !== index) })}>
            {t('common.remove')}
          </button>
        </div>
      ))}
      <button type="button" className="secondary" onClick={() => onChange({ ...test, comparisons: [...rows, { variable: '', op: 'eq', value: '' }] })}>
        {t('node.addComparison')}
      </button>
    </fieldset>
  );
}

function DataDipFields({ node, set, ctx }: FieldsProps<'data-dip'>): ReactNode {
  const { t } = useI18n();
  const map = node.map ?? [];
  const setRow = (index: number, change: Partial<(typeof map)[number]>): void => set({ map: map.map((r, i) => (i === index ? { ...r, ...change } : r)) });
  return (
    <>
      <FormField label={t('node.url')} name="url" value={node.url} onChange={(url) => set({ url })} hint={t('node.urlHint')} error={ctx.error('url')} />
      <SelectField label={t('node.method')} name="method" value={node.method ?? 'POST'} options={[{ value: 'POST', label: 'POST', data: true }, { value: 'GET', label: 'GET', data: true }]} onChange={(method) => set({ method: method as 'GET' | 'POST' })} />
      <NumberField label={t('node.timeoutMs')} name="timeoutMs" value={node.timeoutMs} min={100} max={10000} step={100} onChange={(timeoutMs) => set({ timeoutMs })} error={ctx.error('timeoutMs')} />
      <FormField label={t('node.sendVariables')} name="sendVariables" value={(node.sendVariables ?? []).join(', ')} onChange={(v) => set({ sendVariables: splitList(v) })} hint={t('queues.commaList')} error={ctx.error('sendVariables')} />
      <fieldset>
        <legend>{t('node.map')}</legend>
        {map.map((row, index) => (
          <div className="row" key={index}>
            <FormField label={t('node.jsonPath')} name={`map.${index}.path`} value={row.path} onChange={(path) => setRow(index, { path })} error={ctx.error(`map.${index}.path`)} />
            <FormField label={t('node.variable')} name={`map.${index}.variable`} value={row.variable} onChange={(variable) => setRow(index, { variable })} error={ctx.error(`map.${index}.variable`)} />
            <CheckboxField label={t('node.required')} name={`map.${index}.required`} checked={row.required ?? false} onChange={(required) => setRow(index, { required })} />
            <button type="button" className="link-button" onClick={() => set({ map: map.filter((_, i) => i !== index) })}>
              {t('common.remove')}
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => set({ map: [...map, { path: '', variable: '' }] })}>
          {t('node.addMapping')}
        </button>
      </fieldset>
      <Branch field="next" value={node.next} onChange={(next) => set({ next: next ?? '' })} ctx={ctx} />
      <Branch field="onFailure" value={node.onFailure} onChange={(onFailure) => set({ onFailure: onFailure ?? '' })} ctx={ctx} />
    </>
  );
}

function SetVariableFields({ node, set, ctx }: FieldsProps<'set-variable'>): ReactNode {
  const { t } = useI18n();
  return (
    <>
      <FormField label={t('node.variable')} name="variable" value={node.variable} onChange={(variable) => set({ variable })} error={ctx.error('variable')} />
      <TextAreaField label={t('node.value')} name="value" value={node.value} onChange={(value) => set({ value })} hint={t('node.templateHint')} error={ctx.error('value')} />
      <Branch field="next" value={node.next} onChange={(next) => set({ next: next ?? '' })} ctx={ctx} />
    </>
  );
}

type SkillRows = NonNullable<NodeOf<'enqueue'>['skills']>;

function SkillsRows({ value, onChange, ctx }: { value: SkillRows | undefined; onChange(value: SkillRows): void; ctx: NodeContext }): ReactNode {
  const { t } = useI18n();
  const rows = value ?? [];
  return (
    <fieldset>
      <legend>{t('queues.requiredSkills')}</legend>
      {rows.map((row, index) => (
        <div className="row" key={index}>
          <FormField label={t('queues.skill')} name={`skills.${index}.skill`} value={row.skill} onChange={(skill) => onChange(rows.map((r, i) => (i === index ? { ...r, skill } : r)))} error={ctx.error(`skills.${index}.skill`)} />
          <NumberField label={t('queues.minProficiency')} name={`skills.${index}.minProficiency`} value={row.minProficiency} min={1} max={5} onChange={(minProficiency) => onChange(rows.map((r, i) => (i === index ? { ...r, minProficiency } : r)))} error={ctx.error(`skills.${index}.minProficiency`)} />
          <button type="button" className="link-button" onClick={() => onChange(rows.filter((_, i) => i !== index))}>
            {t('common.remove')}
          </button>
        </div>
      ))}
      <button type="button" className="secondary" onClick={() => onChange([...rows, { skill: '', minProficiency: 1 }])}>
        {t('queues.addSkill')}
      </button>
    </fieldset>
  );
}

function QueueInput({ value, onChange, ctx }: { value: string; onChange(value: string): void; ctx: NodeContext }): ReactNode {
  const { t } = useI18n();
  const listId = useId();
  return (
    <>
      <FormField label={t('node.queue')} name="queue" value={value} onChange={onChange} list={listId} error={ctx.error('queue')} />
      <datalist id={listId}>
        {ctx.queueIds.map((id) => (
          <option key={id} value={id} />
        ))}
      </datalist>
    </>
  );
}

function EnqueueFields({ node, set, ctx }: FieldsProps<'enqueue'>): ReactNode {
  const { t } = useI18n();
  const attributes = Object.entries(node.attributes ?? {});
  const setAttributes = (entries: [string, string][]): void => set({ attributes: Object.fromEntries(entries) });
  return (
    <>
      <QueueInput value={node.queue} onChange={(queue) => set({ queue })} ctx={ctx} />
      <NumberField label={t('queues.priority')} name="priority" value={node.priority} min={0} max={100} onChange={(priority) => set({ priority })} error={ctx.error('priority')} />
      <SkillsRows value={node.skills} onChange={(skills) => set({ skills })} ctx={ctx} />
      <fieldset>
        <legend>{t('node.attributes')}</legend>
        {attributes.map(([key, value], index) => (
          <div className="row" key={index}>
            <FormField label={t('node.attributeName')} name={`attributes.${index}.key`} value={key} onChange={(k) => setAttributes(attributes.map((a, i) => (i === index ? [k, a[1]] : a)))} />
            <FormField label={t('node.value')} name={`attributes.${key}`} value={value} onChange={(v) => setAttributes(attributes.map((a, i) => (i === index ? [a[0], v] : a)))} error={ctx.error(`attributes.${key}`)} />
            <button type="button" className="link-button" onClick={() => setAttributes(attributes.filter((_, i) => i !== index))}>
              {t('common.remove')}
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setAttributes([...attributes, [`attribute${attributes.length + 1}`, '']])}>
          {t('node.addAttribute')}
        </button>
      </fieldset>
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt })} ctx={ctx} optional />
      <Branch field="afterAgent" value={node.afterAgent} onChange={(afterAgent) => set({ afterAgent })} ctx={ctx} optional />
    </>
  );
}

function TransferFields({ node, set, ctx }: FieldsProps<'transfer'>): ReactNode {
  const { t } = useI18n();
  const target = node.target;
  return (
    <>
      <SelectField
        label={t('node.targetKind')}
        name="target.kind"
        value={target.kind}
        options={[{ value: 'number', label: t('node.target.number') }, { value: 'agent', label: t('node.target.agent') }]}
        onChange={(kind) => set({ target: kind === 'agent' ? { kind: 'agent', agentId: '' } : { kind: 'number', number: '' } })}
      />
      {target.kind === 'number' ? (
        <FormField label={t('node.target.number')} name="target.number" type="tel" value={target.number} onChange={(number) => set({ target: { kind: 'number', number } })} hint={t('numbers.numberHint')} error={ctx.error('target.number')} />
      ) : (
        <FormField label={t('node.target.agentId')} name="target.agentId" value={target.agentId} onChange={(agentId) => set({ target: { kind: 'agent', agentId } })} error={ctx.error('target.agentId')} />
      )}
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt })} ctx={ctx} optional />
      <NumberField label={t('node.ringTimeoutMs')} name="ringTimeoutMs" value={node.ringTimeoutMs} min={1000} max={120000} step={1000} onChange={(ringTimeoutMs) => set({ ringTimeoutMs })} error={ctx.error('ringTimeoutMs')} />
      <Branch field="onFailure" value={node.onFailure} onChange={(onFailure) => set({ onFailure })} ctx={ctx} optional />
      <Branch field="afterHangup" value={node.afterHangup} onChange={(afterHangup) => set({ afterHangup })} ctx={ctx} optional />
    </>
  );
}

function VoicemailFields({ node, set, ctx }: FieldsProps<'voicemail'>): ReactNode {
  const { t } = useI18n();
  return (
    <>
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt: prompt ?? {} })} ctx={ctx} />
      <FormField label={t('node.mailbox')} name="mailbox" value={node.mailbox} onChange={(mailbox) => set({ mailbox })} error={ctx.error('mailbox')} />
      <NumberField label={t('node.maxSeconds')} name="maxSeconds" value={node.maxSeconds} min={5} max={120} onChange={(maxSeconds) => set({ maxSeconds })} error={ctx.error('maxSeconds')} />
      <DigitSelect field="finishKey" label={t('node.finishKey')} value={node.finishKey ?? '#'} onChange={(finishKey) => set({ finishKey: finishKey as NodeOf<'voicemail'>['finishKey'] })} ctx={ctx} />
      <Prompt field="thanksPrompt" value={node.thanksPrompt} onChange={(thanksPrompt) => set({ thanksPrompt })} ctx={ctx} optional />
    </>
  );
}

function CallbackOfferFields({ node, set, ctx }: FieldsProps<'callback-offer'>): ReactNode {
  const { t } = useI18n();
  return (
    <>
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt: prompt ?? {} })} ctx={ctx} />
      <DigitSelect field="acceptDigit" label={t('node.acceptDigit')} value={node.acceptDigit ?? '1'} onChange={(acceptDigit) => set({ acceptDigit: acceptDigit as NodeOf<'callback-offer'>['acceptDigit'] })} ctx={ctx} />
      <NumberField label={t('node.timeoutMs')} name="timeoutMs" value={node.timeoutMs} min={1000} max={120000} step={500} onChange={(timeoutMs) => set({ timeoutMs })} error={ctx.error('timeoutMs')} />
      <QueueInput value={node.queue} onChange={(queue) => set({ queue })} ctx={ctx} />
      <NumberField label={t('queues.priority')} name="priority" value={node.priority} min={0} max={100} onChange={(priority) => set({ priority })} error={ctx.error('priority')} />
      <SkillsRows value={node.skills} onChange={(skills) => set({ skills })} ctx={ctx} />
      <FormField label={t('node.numberVariable')} name="numberVariable" value={node.numberVariable ?? ''} onChange={(v) => set({ numberVariable: optionalText(v) })} hint={t('node.numberVariableHint')} error={ctx.error('numberVariable')} />
      <Prompt field="confirmPrompt" value={node.confirmPrompt} onChange={(confirmPrompt) => set({ confirmPrompt })} ctx={ctx} optional />
      <Branch field="onDecline" value={node.onDecline} onChange={(onDecline) => set({ onDecline: onDecline ?? '' })} ctx={ctx} />
    </>
  );
}

function SurveyFields({ node, set, ctx }: FieldsProps<'survey'>): ReactNode {
  const { t } = useI18n();
  return (
    <>
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt: prompt ?? {} })} ctx={ctx} />
      <FormField label={t('node.variable')} name="variable" value={node.variable ?? 'surveyScore'} onChange={(variable) => set({ variable })} error={ctx.error('variable')} />
      <NumberField label={t('node.timeoutMs')} name="timeoutMs" value={node.timeoutMs} min={1000} max={120000} step={500} onChange={(timeoutMs) => set({ timeoutMs })} error={ctx.error('timeoutMs')} />
      <Retries value={node.maxRetries} onChange={(maxRetries) => set({ maxRetries })} ctx={ctx} />
      <Prompt field="invalidPrompt" value={node.invalidPrompt} onChange={(invalidPrompt) => set({ invalidPrompt })} ctx={ctx} optional />
      <Branch field="next" value={node.next} onChange={(next) => set({ next: next ?? '' })} ctx={ctx} />
    </>
  );
}

function HangupFields({ node, set, ctx }: FieldsProps<'hangup'>): ReactNode {
  const { t } = useI18n();
  return (
    <>
      <Prompt field="prompt" value={node.prompt} onChange={(prompt) => set({ prompt })} ctx={ctx} optional />
      <FormField label={t('node.reason')} name="reason" value={node.reason ?? ''} onChange={(reason) => set({ reason: optionalText(reason) })} error={ctx.error('reason')} />
    </>
  );
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
