import { useState, type FormEvent, type ReactNode } from 'react';
import { OVERFLOW_KINDS, ROUTING_STRATEGIES, type OverflowStep, type QueueConfigBody, type RoutingStrategy, type SkillView } from '../../api/acd-api.types';
import { useI18n } from '../../i18n/i18n.provider';
import { FormAlert, FormField } from '../form-field.component';
import { CheckboxField, NumberField, SelectField } from '../form/fields.component';
import { type ServerErrors } from '../form/server-errors';

/** A new queue's settings: the acd's defaults, an 80/20 service level. */
export function newQueueConfig(): QueueConfigBody {
  return {
    queueId: '',
    name: '',
    requiredSkills: [],
    priority: 0,
    strategy: 'longest-idle',
    ringAllLimit: 10,
    serviceLevel: { percent: 80, thresholdSeconds: 20 },
    overflowSteps: [],
    afterCallWorkSeconds: 0,
    offerTimeoutSeconds: 20,
    maxMissedOffers: 3,
    stickyAgentSeconds: 0,
  };
}

const CONFIG_FIELDS = Object.keys({ ...newQueueConfig(), maxWaitSeconds: 0, maxQueueLength: 0, overflow: 0, vip: 0 });
const PROFICIENCY_OPTIONS = [1, 2, 3, 4, 5].map((p) => ({ value: String(p), label: String(p), data: true }));
const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

interface QueueFormProps {
  initial: QueueConfigBody;
  /** Editing an existing queue: its id cannot change. */
  existing: boolean;
  skills: SkillView[];
  otherQueueIds: string[];
  errors: ServerErrors;
  busy: boolean;
  onSubmit(config: QueueConfigBody): void;
  onCancel(): void;
}

/** Every setting of an acd queue; the acd validates and names any field that is wrong. */
export function QueueForm({ initial, existing, skills, otherQueueIds, errors, busy, onSubmit, onCancel }: QueueFormProps): ReactNode {
  const { t } = useI18n();
  const [config, setConfig] = useState<QueueConfigBody>(initial);
  const set = <K extends keyof QueueConfigBody>(key: K, value: QueueConfigBody[K]): void => setConfig((c) => ({ ...c, [key]: value }));
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    onSubmit(config);
  };
  const skillOptions = skills.map((s) => ({ value: s.skillId, label: s.name, data: true }));
  const setStep = (index: number, change: Partial<OverflowStep>): void => set('overflowSteps', config.overflowSteps.map((s, i) => (i === index ? { ...s, ...change } : s)));

  return (
    <form className="panel" noValidate onSubmit={submit} aria-labelledby="queue-form-title">
      <h2 id="queue-form-title">{existing ? t('queues.edit') : t('queues.create')}</h2>
      <FormAlert messages={errors.unclaimed(CONFIG_FIELDS, t)} />
      <div className="form-grid">
        {existing ? null : <FormField label={t('queues.id')} name="queueId" value={config.queueId} onChange={(v) => set('queueId', v)} hint={t('common.slugHint')} error={errors.at('queueId')} />}
        <FormField label={t('queues.name')} name="name" value={config.name} onChange={(v) => set('name', v)} error={errors.at('name')} />
        <SelectField
          label={t('queues.strategy')}
          name="strategy"
          value={config.strategy}
          options={ROUTING_STRATEGIES.map((s) => ({ value: s, label: t(`strategy.${s}`) }))}
          onChange={(v) => set('strategy', v as RoutingStrategy)}
          error={errors.at('strategy')}
        />
        {config.strategy === 'ring-all' ? <NumberField label={t('queues.ringAllLimit')} name="ringAllLimit" value={config.ringAllLimit} min={1} max={50} onChange={(v) => set('ringAllLimit', v as number)} error={errors.at('ringAllLimit')} /> : null}
        <NumberField label={t('queues.priority')} name="priority" value={config.priority} min={0} max={100} onChange={(v) => set('priority', v as number)} hint={t('queues.priorityHint')} error={errors.at('priority')} />
      </div>

      <fieldset>
        <legend>{t('queues.requiredSkills')}</legend>
        {config.requiredSkills.map((req, index) => (
          <div className="row" key={index}>
            <SelectField label={t('queues.skill')} name={`requiredSkills.${index}.skillId`} value={req.skillId} options={[{ value: '', label: '—', data: true }, ...skillOptions]} onChange={(v) => set('requiredSkills', config.requiredSkills.map((r, i) => (i === index ? { ...r, skillId: v } : r)))} error={errors.at(`requiredSkills.${index}.skillId`)} />
            <SelectField label={t('queues.minProficiency')} name={`requiredSkills.${index}.minProficiency`} value={String(req.minProficiency)} options={PROFICIENCY_OPTIONS} onChange={(v) => set('requiredSkills', config.requiredSkills.map((r, i) => (i === index ? { ...r, minProficiency: Number(v) } : r)))} error={errors.at(`requiredSkills.${index}.minProficiency`)} />
            <button type="button" className="link-button" onClick={() => set('requiredSkills', config.requiredSkills.filter((_, i) => i !== index))}>
              {t('common.remove')}
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => set('requiredSkills', [...config.requiredSkills, { skillId: skills[0]?.skillId ?? '', minProficiency: 1 }])}>
          {t('queues.addSkill')}
        </button>
      </fieldset>

      <fieldset>
        <legend>{t('queues.serviceLevel')}</legend>
        <div className="form-grid">
          <NumberField label={t('queues.slPercent')} name="serviceLevel.percent" value={config.serviceLevel.percent} min={0} max={100} onChange={(v) => set('serviceLevel', { ...config.serviceLevel, percent: v as number })} error={errors.at('serviceLevel.percent')} />
          <NumberField label={t('queues.slSeconds')} name="serviceLevel.thresholdSeconds" value={config.serviceLevel.thresholdSeconds} min={1} onChange={(v) => set('serviceLevel', { ...config.serviceLevel, thresholdSeconds: v as number })} error={errors.at('serviceLevel.thresholdSeconds')} />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t('queues.limits')}</legend>
        <div className="form-grid">
          <NumberField label={t('queues.maxWait')} name="maxWaitSeconds" value={config.maxWaitSeconds} min={1} onChange={(v) => set('maxWaitSeconds', v)} hint={t('queues.optional')} error={errors.at('maxWaitSeconds')} />
          <NumberField label={t('queues.maxLength')} name="maxQueueLength" value={config.maxQueueLength} min={1} onChange={(v) => set('maxQueueLength', v)} hint={t('queues.optional')} error={errors.at('maxQueueLength')} />
          <SelectField
            label={t('queues.overflow')}
            name="overflow"
            value={config.overflow?.kind ?? ''}
            options={[{ value: '', label: t('queues.overflow.none') }, ...OVERFLOW_KINDS.map((k) => ({ value: k, label: t(`queues.overflow.${k}`) }))]}
            onChange={(v) => set('overflow', v === 'queue' ? { kind: 'queue', queueId: otherQueueIds[0] ?? '' } : v === 'voicemail' || v === 'callback' ? { kind: v } : undefined)}
            error={errors.at('overflow')}
          />
          {config.overflow?.kind === 'queue' ? (
            <SelectField
              label={t('queues.overflowQueue')}
              name="overflow.queueId"
              value={config.overflow.queueId}
              options={otherQueueIds.map((id) => ({ value: id, label: id, data: true }))}
              onChange={(v) => set('overflow', { kind: 'queue', queueId: v })}
              error={errors.at('overflow.queueId')}
            />
          ) : null}
        </div>
        {config.overflowSteps.map((step, index) => (
          <div className="row" key={index}>
            <NumberField label={t('queues.stepAfter')} name={`overflowSteps.${index}.afterSeconds`} value={step.afterSeconds} min={1} onChange={(v) => setStep(index, { afterSeconds: v as number })} error={errors.at(`overflowSteps.${index}.afterSeconds`)} />
            <SelectField label={t('queues.stepLowerTo')} name={`overflowSteps.${index}.lowerMinProficiencyTo`} value={step.lowerMinProficiencyTo === undefined ? '' : String(step.lowerMinProficiencyTo)} options={[{ value: '', label: '—', data: true }, ...PROFICIENCY_OPTIONS]} onChange={(v) => setStep(index, { lowerMinProficiencyTo: v === '' ? undefined : Number(v) })} error={errors.at(`overflowSteps.${index}.lowerMinProficiencyTo`)} />
            <FormField label={t('queues.stepDrop')} name={`overflowSteps.${index}.dropSkills`} value={step.dropSkills.join(', ')} onChange={(v) => setStep(index, { dropSkills: list(v) })} error={errors.under(`overflowSteps.${index}.dropSkills`) ?? errors.at(`overflowSteps.${index}`)} />
            <button type="button" className="link-button" onClick={() => set('overflowSteps', config.overflowSteps.filter((_, i) => i !== index))}>
              {t('common.remove')}
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => set('overflowSteps', [...config.overflowSteps, { afterSeconds: (config.overflowSteps.at(-1)?.afterSeconds ?? 0) + 30, lowerMinProficiencyTo: 1, dropSkills: [] }])}>
          {t('queues.addStep')}
        </button>
      </fieldset>

      <fieldset>
        <legend>{t('queues.agentHandling')}</legend>
        <div className="form-grid">
          <NumberField label={t('queues.acw')} name="afterCallWorkSeconds" value={config.afterCallWorkSeconds} min={0} onChange={(v) => set('afterCallWorkSeconds', v as number)} error={errors.at('afterCallWorkSeconds')} />
          <NumberField label={t('queues.offerTimeout')} name="offerTimeoutSeconds" value={config.offerTimeoutSeconds} min={1} onChange={(v) => set('offerTimeoutSeconds', v as number)} error={errors.at('offerTimeoutSeconds')} />
          <NumberField label={t('queues.maxMissed')} name="maxMissedOffers" value={config.maxMissedOffers} min={1} onChange={(v) => set('maxMissedOffers', v as number)} error={errors.at('maxMissedOffers')} />
          <NumberField label={t('queues.sticky')} name="stickyAgentSeconds" value={config.stickyAgentSeconds} min={0} onChange={(v) => set('stickyAgentSeconds', v as number)} error={errors.at('stickyAgentSeconds')} />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t('queues.vip')}</legend>
        <CheckboxField
          label={t('queues.vipEnabled')}
          name="vip.enabled"
          checked={config.vip !== undefined}
          onChange={(on) => set('vip', on ? { attribute: 'tier', values: ['gold'], priorityBoost: 10, preferHigherProficiency: true } : undefined)}
        />
        {config.vip ? (
          <div className="form-grid">
            <FormField label={t('queues.vipAttribute')} name="vip.attribute" value={config.vip.attribute} onChange={(v) => config.vip && set('vip', { ...config.vip, attribute: v })} error={errors.at('vip.attribute')} />
            <FormField label={t('queues.vipValues')} name="vip.values" value={config.vip.values.join(', ')} onChange={(v) => config.vip && set('vip', { ...config.vip, values: list(v) })} hint={t('queues.commaList')} error={errors.under('vip.values')} />
            <NumberField label={t('queues.vipBoost')} name="vip.priorityBoost" value={config.vip.priorityBoost} min={0} max={100} onChange={(v) => config.vip && set('vip', { ...config.vip, priorityBoost: v as number })} error={errors.at('vip.priorityBoost')} />
            <CheckboxField label={t('queues.vipPreferSkilled')} name="vip.preferHigherProficiency" checked={config.vip.preferHigherProficiency} onChange={(on) => config.vip && set('vip', { ...config.vip, preferHigherProficiency: on })} />
          </div>
        ) : null}
      </fieldset>

      <div className="actions">
        <button type="submit" disabled={busy}>
          {t('common.save')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
