import { localeSchema, type Locale } from '@parley/contracts';

export const DEFAULT_LOCALE: Locale = 'en';

/**
 * The supported locale for a list of BCP 47 language tags in order of preference (the browser's
 * `navigator.languages`): the first tag we speak wins. Any Chinese tag maps to Simplified Chinese,
 * the only Chinese we have; anything else falls through to English.
 */
export function pickLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const lower = tag.trim().toLowerCase();
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
  }
  return DEFAULT_LOCALE;
}

/** A stored value as a locale, or null when it is not one we speak. */
export function parseLocale(value: unknown): Locale | null {
  const parsed = localeSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Where the user's explicit language choice is remembered between visits. */
export interface LocalePreferenceStore {
  load(): Locale | null;
  save(locale: Locale): void;
}

const PREFERENCE_KEY = 'parley.locale';

/** The preference kept in a Web Storage area (localStorage in the browser). */
export function storageLocalePreference(storage: Pick<Storage, 'getItem' | 'setItem'>): LocalePreferenceStore {
  return {
    load: () => parseLocale(storage.getItem(PREFERENCE_KEY)),
    save: (locale) => storage.setItem(PREFERENCE_KEY, locale),
  };
}
