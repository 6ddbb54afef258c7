import { type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.provider';
import { describeError } from '../form-errors';
import { type LoadResult } from './use-load';

/** The data once loaded; "loading" before, the error in words if it failed. */
export function Loaded<T>({ result, children }: { result: LoadResult<T>; children: (data: T) => ReactNode }): ReactNode {
  const { t } = useI18n();
  if (result.status === 'loading') return <p className="loading-inline">{t('app.loading')}</p>;
  if (result.status === 'error') return <p role="alert" className="form-alert">{describeError(result.error, t)}</p>;
  return children(result.data);
}
