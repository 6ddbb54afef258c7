import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { type SkillView } from '../../api/acd-api.types';
import { useI18n } from '../../i18n/i18n.provider';
import { FormAlert, FormField } from '../form-field.component';
import { Data } from '../form/fields.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';

/** Skills: define (an id the IVR and queues name, and a display name) and rename. */
export function SkillsSection(): ReactNode {
  const { t } = useI18n();
  const { acd } = useServices();
  const load = useCallback(() => acd.listSkills(), [acd]);
  const { result, reload } = useLoad(load);
  return (
    <section aria-labelledby="skills-title">
      <h1 id="skills-title">{t('admin.section.skills')}</h1>
      <Loaded result={result}>
        {(skills) => (
          <>
            {skills.length === 0 ? <p>{t('skills.none')}</p> : null}
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t('skills.id')}</th>
                  <th scope="col">{t('skills.name')}</th>
                </tr>
              </thead>
              <tbody>
                {skills.map((skill) => (
                  <SkillRow key={skill.skillId} skill={skill} onSaved={reload} />
                ))}
              </tbody>
            </table>
            <CreateSkillForm onCreated={reload} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function SkillRow({ skill, onSaved }: { skill: SkillView; onSaved(): void }): ReactNode {
  const { t } = useI18n();
  const { acd } = useServices();
  const action = useAction();
  const [name, setName] = useState(skill.name);
  const error = action.errors.at('name') ?? action.errors.unclaimed(['name'], t).join(' ');
  return (
    <tr>
      <td>
        <Data>{skill.skillId}</Data>
      </td>
      <td>
        <div className="inline-form">
          <input aria-label={t('skills.nameOf', { skill: skill.skillId })} value={name} onChange={(event) => setName(event.target.value)} aria-invalid={error ? true : undefined} />
          <button type="button" disabled={action.busy || name === skill.name} onClick={() => void action.run(() => acd.renameSkill(skill.skillId, name)).then((ok) => ok && onSaved())}>
            {t('common.save')}
          </button>
        </div>
        {error ? <p className="field__error">{error}</p> : null}
      </td>
    </tr>
  );
}

function CreateSkillForm({ onCreated }: { onCreated(): void }): ReactNode {
  const { t } = useI18n();
  const { acd } = useServices();
  const action = useAction();
  const [values, setValues] = useState({ skillId: '', name: '' });
  const onSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (await action.run(() => acd.createSkill(values.skillId.trim(), values.name))) {
      setValues({ skillId: '', name: '' });
      onCreated();
    }
  };
  return (
    <form className="panel" noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="new-skill-title">
      <h2 id="new-skill-title">{t('skills.create')}</h2>
      <FormAlert messages={action.errors.unclaimed(['skillId', 'name'], t)} />
      <div className="form-grid">
        <FormField label={t('skills.id')} name="skillId" value={values.skillId} onChange={(skillId) => setValues((v) => ({ ...v, skillId }))} hint={t('common.slugHint')} error={action.errors.at('skillId')} />
        <FormField label={t('skills.name')} name="name" value={values.name} onChange={(name) => setValues((v) => ({ ...v, name }))} error={action.errors.at('name')} />
      </div>
      <button type="submit" disabled={action.busy}>
        {t('skills.createSubmit')}
      </button>
    </form>
  );
}
