import { type ReactNode } from 'react';
import { useI18n } from './i18n/i18n.provider';
import { AREA_PATHS, areaOfPath, homeArea } from './routing/areas';
import { Redirect, useRouter } from './routing/router';
import { LoginPage } from './screens/login.page';
import { NotFoundPage } from './screens/not-found.page';
import { ShellPage } from './screens/shell.page';
import { SignupPage } from './screens/signup.page';
import { useSession } from './session/session.provider';

/** Which screen a path shows, given the session. */
export function AppRoutes(): ReactNode {
  const { t } = useI18n();
  const { state } = useSession();
  const { path } = useRouter();

  if (state.status === 'restoring') return <p className="loading">{t('app.loading')}</p>;

  if (state.status === 'signed-out') {
    if (path === '/signup') return <SignupPage />;
    if (path !== '/login') return <Redirect to="/login" />;
    const notice = state.notice === 'session-ended' ? t('errors.sessionExpired') : state.notice === 'unreachable' ? t('errors.network') : null;
    return <LoginPage notice={notice} />;
  }

  const { user } = state;
  if (path === '/' || path === '/login' || path === '/signup') return <Redirect to={AREA_PATHS[homeArea(user.role)]} />;
  const area = areaOfPath(path);
  if (!area) return <NotFoundPage />;
  return <ShellPage user={user} area={area} path={path} />;
}
