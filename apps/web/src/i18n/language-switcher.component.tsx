import { localeSchema, type Locale } from '@parley/contracts';
import { type ChangeEvent, type ReactNode } from 'react';
import { useI18n } from './i18n.provider';
import { parseLocale } from './locale';

/** A select of every supported locale, each named in its own language. */
export function LanguageSwitcher(): ReactNode {
  const { locale, setLocale, t } = useI18n();
  const onChange = (event: ChangeEvent<HTMLSelectElement>): void => {
    const next = parseLocale(event.target.value);
    if (next) setLocale(next);
  };
  return (
    <label className="language-switcher">
      <span>{t('language.label')}</span>{' '}
      <select value={locale} onChange={onChange}>
        {localeSchema.options.map((option: Locale) => (
          <option key={option} value={option}>
            {t(`language.${option}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
