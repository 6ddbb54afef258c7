import { type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.provider';
import { Link } from '../routing/router';

export function NotFoundPage(): ReactNode {
  const { t } = useI18n();
  return (
    <main className="auth-page">
      <h1>{t('notFound.title')}</h1>
      <Link to="/">{t('notFound.back')}</Link>
    </main>
  );
}
