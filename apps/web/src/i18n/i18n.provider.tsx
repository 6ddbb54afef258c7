import { type Locale } from '@parley/contracts';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { CATALOGS } from './catalogs';
import { formatMessage, type Catalog, type Translate } from './message-catalog';

export interface I18nContextValue {
  locale: Locale;
  setLocale(locale: Locale): void;
  t: Translate;
}

const I18nContext = createContext<I18nContextValue | null>(null);

/** Marks a key the catalog lacks, so a missing translation is visible on screen and findable by tests. */
export const MISSING_MARK = '⟦missing⟧';

export interface I18nProviderProps {
  /** The locale to start in. */
  initialLocale: Locale;
  /** Called when the user or the session changes the locale (e.g. to remember the choice). */
  onLocaleChange?: (locale: Locale) => void;
  /** Called for every key a catalog lacks (the types prevent it; catalogs built at run time could still). */
  onMissingKey?: (locale: Locale, key: string) => void;
  /** Defaults to the product's catalogs. */
  catalogs?: Readonly<Record<Locale, Catalog>>;
  children: ReactNode;
}

function reportMissing(locale: Locale, key: string): void {
  console.error(`missing ${locale} translation for "${key}"`);
}

export function I18nProvider({ initialLocale, onLocaleChange, onMissingKey = reportMissing, catalogs = CATALOGS, children }: I18nProviderProps): ReactNode {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);

  useEffect(() => {
    if (typeof document !== 'undefined') document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback(
    (next: Locale) => {
      setLocaleState(next);
      onLocaleChange?.(next);
    },
    [onLocaleChange],
  );

  const t = useCallback<Translate>(
    (key, ...params) => {
      const template: unknown = (catalogs[locale] as Readonly<Record<string, unknown>>)[key];
      if (typeof template !== 'string' || template === '') {
        onMissingKey(locale, key);
        return `${MISSING_MARK}${key}`;
      }
      return formatMessage(template, params[0] ?? {}, key);
    },
    [catalogs, locale, onMissingKey],
  );

  const value = useMemo<I18nContextValue>(() => ({ locale, setLocale, t }), [locale, setLocale, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The current locale, its setter and the translate function; throws outside an I18nProvider. */
export function useI18n(): I18nContextValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n() needs an <I18nProvider> above it');
  return value;
}
