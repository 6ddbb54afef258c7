import { type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.provider';
import { Link, Redirect } from '../../routing/router';
import { NotFoundPage } from '../not-found.page';
import { ADMIN_SECTIONS, adminPath, adminRouteOf, type AdminSection } from './admin-routes';
import { AgentsSection } from './agents.section';
import { BreakReasonsSection } from './break-reasons.section';
import { BusinessHoursSection } from './business-hours.section';
import { DispositionsSection } from './dispositions.section';
import { FlowEditorPage } from './flow-editor/flow-editor.page';
import { FlowsSection } from './flows.section';
import { NumbersSection } from './numbers.section';
import { QueuesSection } from './queues.section';
import { SkillsSection } from './skills.section';
import { UsersSection } from './users.section';

const SECTION_VIEWS: Readonly<Record<AdminSection, () => ReactNode>> = {
  users: UsersSection,
  numbers: NumbersSection,
  queues: QueuesSection,
  skills: SkillsSection,
  agents: AgentsSection,
  flows: FlowsSection,
  hours: BusinessHoursSection,
  dispositions: DispositionsSection,
  breaks: BreakReasonsSection,
};

/** The owner's and admins' console: a menu of sections and the open one. */
export function AdminConsolePage({ path }: { path: string }): ReactNode {
  const { t } = useI18n();
  const route = adminRouteOf(path);
  if (route === 'not-found') return <NotFoundPage />;
  if (route.section === null) return <Redirect to={adminPath(ADMIN_SECTIONS[0])} />;
  const View = SECTION_VIEWS[route.section];
  return (
    <div className="admin" data-area="admin">
      <nav className="admin__menu" aria-label={t('admin.menu')}>
        <ul>
          {ADMIN_SECTIONS.map((section) => (
            <li key={section} aria-current={section === route.section ? 'page' : undefined}>
              <Link to={adminPath(section)}>{t(`admin.section.${section}`)}</Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="admin__content">{route.flowId !== undefined ? <FlowEditorPage key={route.flowId} flowId={route.flowId} /> : <View />}</div>
    </div>
  );
}
