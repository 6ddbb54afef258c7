import { type UserView } from '@parley/contracts';
import { type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.provider';
import { LanguageSwitcher } from '../i18n/language-switcher.component';
import { AREA_PATHS, areasFor, type Area } from '../routing/areas';
import { Link } from '../routing/router';
import { useSession } from '../session/session.provider';
import { AdminConsolePage } from './admin/admin-console.page';
import { AgentDesktopPage } from './agent/agent-desktop.page';
import { SupervisorDashboardPage } from './supervisor/supervisor-dashboard.page';

/**
 * The signed-in frame: who is signed in, the areas their role may open, and the open area. An area
 * the role may not open shows why instead of its content.
 */
export function ShellPage({ user, area, path }: { user: UserView; area: Area; path: string }): ReactNode {
  const { t } = useI18n();
  const { logout } = useSession();
  const allowed = areasFor(user.role);
  return (
    <div className="shell">
      <header className="shell__top">
        <strong>{t('app.name')}</strong>
        <nav aria-label={t('shell.nav')}>
          {allowed.map((a) => (
            <Link key={a} to={AREA_PATHS[a]}>
              {t(`area.${a}`)}
            </Link>
          ))}
        </nav>
        <span>{t('shell.signedInAs', { name: user.name, role: t(`role.${user.role}`) })}</span>
        <LanguageSwitcher />
        <button type="button" onClick={() => void logout()}>
          {t('shell.logout')}
        </button>
      </header>
      <main className="shell__main">
        {allowed.includes(area) ? <AreaView area={area} path={path} user={user} /> : <p role="alert">{t('area.forbidden', { role: t(`role.${user.role}`), area: t(`area.${area}`) })}</p>}
      </main>
    </div>
  );
}

function AreaView({ area, path, user }: { area: Area; path: string; user: UserView }): ReactNode {
  switch (area) {
    case 'admin':
      return <AdminConsolePage path={path} />;
    case 'supervisor':
      return <SupervisorDashboardPage />;
    case 'agent':
      return <AgentDesktopPage user={user} />;
  }
}
