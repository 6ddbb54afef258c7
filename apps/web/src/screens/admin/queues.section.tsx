import { useCallback, useState, type ReactNode } from 'react';
import { useServices } from '../../api/app-services.provider';
import { type QueueConfigBody, type QueueView } from '../../api/acd-api.types';
import { useI18n } from '../../i18n/i18n.provider';
import { Data } from '../form/fields.component';
import { Loaded } from '../form/load-state.component';
import { useAction } from '../form/use-action';
import { useLoad } from '../form/use-load';
import { newQueueConfig, QueueForm } from './queue-form.component';

type Editing = { kind: 'new' } | { kind: 'edit'; queue: QueueView } | null;

/** Queues: the list with their versions; create one or change one (each change is a new version). */
export function QueuesSection(): ReactNode {
  const { t } = useI18n();
  const { acd } = useServices();
  const load = useCallback(async () => ({ queues: await acd.listQueues(), skills: await acd.listSkills() }), [acd]);
  const { result, reload } = useLoad(load);
  const [editing, setEditing] = useState<Editing>(null);
  const action = useAction();

  const save = (config: QueueConfigBody): void => {
    const task = editing?.kind === 'edit' ? () => acd.updateQueue(editing.queue.queueId, config, editing.queue.version) : () => acd.createQueue(config);
    void action.run(task).then((ok) => {
      if (!ok) return;
      setEditing(null);
      reload();
    });
  };

  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">{t('admin.section.queues')}</h1>
      <Loaded result={result}>
        {({ queues, skills }) => (
          <>
            {queues.length === 0 ? <p>{t('queues.none')}</p> : null}
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t('queues.name')}</th>
                  <th scope="col">{t('queues.id')}</th>
                  <th scope="col">{t('queues.strategy')}</th>
                  <th scope="col">{t('queues.serviceLevel')}</th>
                  <th scope="col">{t('queues.version')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {queues.map((queue) => (
                  <tr key={queue.queueId}>
                    <td>
                      <Data>{queue.config.name}</Data>
                    </td>
                    <td>
                      <Data>{queue.queueId}</Data>
                    </td>
                    <td>{t(`strategy.${queue.config.strategy}`)}</td>
                    <td>{t('queues.slTarget', { percent: queue.config.serviceLevel.percent, seconds: queue.config.serviceLevel.thresholdSeconds })}</td>
                    <td>{queue.version}</td>
                    <td>
                      <button type="button" className="secondary" onClick={() => setEditing({ kind: 'edit', queue })} aria-label={t('queues.editQueue', { name: queue.config.name })}>
                        {t('common.edit')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {editing ? (
              <QueueForm
                key={editing.kind === 'edit' ? `${editing.queue.queueId}:${editing.queue.version}` : 'new'}
                initial={editing.kind === 'edit' ? withoutVersion(editing.queue) : newQueueConfig()}
                existing={editing.kind === 'edit'}
                skills={skills}
                otherQueueIds={queues.map((q) => q.queueId).filter((id) => editing.kind !== 'edit' || id !== editing.queue.queueId)}
                errors={action.errors}
                busy={action.busy}
                onSubmit={save}
                onCancel={() => setEditing(null)}
              />
            ) : (
              <button type="button" onClick={() => setEditing({ kind: 'new' })}>
                {t('queues.create')}
              </button>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

function withoutVersion(queue: QueueView): QueueConfigBody {
  const { version: _version, ...config } = queue.config;
  return config;
}
