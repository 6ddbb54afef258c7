import { useCallback, useState, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { type AgentView, type QueueView, type SkillView } from '../../api/acd-api.types';
import { useI18n } from '../../i18n/i18n.provider';
import { FormAlert } from '../form-field.component';
import { Data } from '../form/fields.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';

const PROFICIENCIES = [1, 2, 3, 4, 5] as const;

/** Agents (users with a seat): their skills with proficiency 1–5 and the queues they take calls from. */
export function AgentsSection(): ReactNode {
  const { t } = useI18n();
  const { acd, tenantAdmin } = useServices();
  const load = useCallback(async () => {
    const [agents, skills, queues, users] = await Promise.all([acd.listAgents(), acd.listSkills(), acd.listQueues(), tenantAdmin.listUsers()]);
    return { agents, skills, queues, names: new Map(users.map((u) => [u.id, u.name])) };
  }, [acd, tenantAdmin]);
  const { result, reload } = useLoad(load);
  return (
    <section aria-labelledby="agents-title">
      <h1 id="agents-title">{t('admin.section.agents')}</h1>
      <Loaded result={result}>
        {({ agents, skills, queues, names }) => (
          <>
            {agents.length === 0 ? <p>{t('agents.none')}</p> : null}
            {agents.map((agent) => (
              <AgentCard key={`${agent.agentId}:${agent.version}`} agent={agent} name={names.get(agent.agentId) ?? agent.agentId} skills={skills} queues={queues} onSaved={reload} />
            ))}
          </>
        )}
      </Loaded>
    </section>
  );
}

interface AgentCardProps {
  agent: AgentView;
  name: string;
  skills: SkillView[];
  queues: QueueView[];
  onSaved(): void;
}

function AgentCard({ agent, name, skills, queues, onSaved }: AgentCardProps): ReactNode {
  const { t } = useI18n();
  const { acd } = useServices();
  const [agentSkills, setAgentSkills] = useState(agent.skills);
  const [queueIds, setQueueIds] = useState(agent.queueIds);
  const skillAction = useAction();
  const queueAction = useAction();
  const unused = skills.filter((s) => !agentSkills.some((a) => a.skillId === s.skillId));
  const titleId = `agent-${agent.agentId}`;

  return (
    <article className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>
        <Data>{name}</Data> {agent.hasSeat ? null : <span className="badge">{t('agents.noSeat')}</span>}
      </h2>
      <fieldset>
        <legend>{t('agents.skills')}</legend>
        <FormAlert messages={skillAction.errors.unclaimed(['skills'], t)} />
        {agentSkills.length === 0 ? <p>{t('agents.noSkills')}</p> : null}
        <ul className="rows">
          {agentSkills.map((entry, index) => (
            <li key={entry.skillId}>
              <Data>{skills.find((s) => s.skillId === entry.skillId)?.name ?? entry.skillId}</Data>{' '}
              <select
                aria-label={t('agents.proficiencyOf', { skill: entry.skillId })}
                value={entry.proficiency}
                onChange={(event) => setAgentSkills((list) => list.map((s, i) => (i === index ? { ...s, proficiency: Number(event.target.value) } : s)))}
              >
                {PROFICIENCIES.map((p) => (
                  <option key={p} value={p}>
                    {t('agents.proficiencyN', { level: p })}
                  </option>
                ))}
              </select>{' '}
              <button type="button" className="link-button" onClick={() => setAgentSkills((list) => list.filter((_, i) => i !== index))}>
                {t('common.remove')}
              </button>
              {skillAction.errors.under(`skills.${index}`) ? <p className="field__error">{skillAction.errors.under(`skills.${index}`)}</p> : null}
            </li>
          ))}
        </ul>
        {unused.length > 0 ? (
          <select aria-label={t('agents.addSkill')} value="" onChange={(event) => event.target.value && setAgentSkills((list) => [...list, { skillId: event.target.value, proficiency: 3 }])}>
            <option value="">{t('agents.addSkill')}</option>
            {unused.map((s) => (
              <option key={s.skillId} value={s.skillId} translate="no">
                {s.name}
              </option>
            ))}
          </select>
        ) : null}{' '}
        <button type="button" disabled={skillAction.busy} onClick={() => void skillAction.run(() => acd.setAgentSkills(agent.agentId, agentSkills)).then((ok) => ok && onSaved())}>
          {t('agents.saveSkills')}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t('agents.queues')}</legend>
        <FormAlert messages={queueAction.errors.unclaimed([], t)} />
        {queues.map((queue) => (
          <label key={queue.queueId} className="check">
            <input
              type="checkbox"
              checked={queueIds.includes(queue.queueId)}
              onChange={(event) => setQueueIds((ids) => (event.target.checked ? [...ids, queue.queueId] : ids.filter((id) => id !== queue.queueId)))}
            />{' '}
            <Data>{queue.config.name}</Data>
          </label>
        ))}{' '}
        <button type="button" disabled={queueAction.busy} onClick={() => void queueAction.run(() => acd.setAgentQueues(agent.agentId, queueIds)).then((ok) => ok && onSaved())}>
          {t('agents.saveQueues')}
        </button>
      </fieldset>
    </article>
  );
}
