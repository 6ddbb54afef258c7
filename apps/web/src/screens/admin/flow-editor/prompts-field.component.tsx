import { type Locale, type LocalizedPrompts, type Prompt } from '@parley/contracts';
import { type ReactNode } from 'react';
import { useI18n } from '../../../i18n/i18n.provider';

interface PromptsFieldProps {
  label: string;
  name: string;
  /** undefined: the node plays nothing here (only for optional prompts). */
  value: LocalizedPrompts | undefined;
  onChange(value: LocalizedPrompts | undefined): void;
  locales: readonly Locale[];
  optional?: boolean;
  error?: string | undefined;
}

/** A node's prompts: for each of the flow's languages, a list of spoken texts or audio files played in order. */
export function PromptsField({ label, name, value, onChange, locales, optional = false, error }: PromptsFieldProps): ReactNode {
  const { t } = useI18n();
  if (value === undefined) {
    return (
      <div className="field">
        <span className="field__label">{label}</span>{' '}
        <button type="button" className="secondary" onClick={() => onChange(Object.fromEntries(locales.map((l) => [l, [{ kind: 'text', text: '', locale: l }]])))}>
          {t('prompts.add')}
        </button>
      </div>
    );
  }
  const setList = (locale: Locale, list: Prompt[]): void => onChange({ ...value, [locale]: list });
  return (
    <fieldset className={error ? 'prompts field--invalid' : 'prompts'}>
      <legend>{label}</legend>
      {locales.map((locale) => {
        const list = value[locale] ?? [];
        return (
          <div key={locale} className="prompts__locale">
            <span className="prompts__language">{t(`language.${locale}`)}</span>
            {list.map((prompt, index) => (
              <div className="row" key={index}>
                <select
                  aria-label={t('prompts.kindOf', { n: index + 1, language: t(`language.${locale}`) })}
                  value={prompt.kind}
                  onChange={(event) => setList(locale, list.map((p, i) => (i !== index ? p : event.target.value === 'file' ? { kind: 'file', uri: '' } : { kind: 'text', text: '', locale })))}
                >
                  <option value="text">{t('prompts.text')}</option>
                  <option value="file">{t('prompts.file')}</option>
                </select>
                {prompt.kind === 'text' ? (
                  <textarea
                    aria-label={t('prompts.textOf', { n: index + 1, language: t(`language.${locale}`) })}
                    name={`${name}.${locale}.${index}`}
                    rows={2}
                    value={prompt.text}
                    onChange={(event) => setList(locale, list.map((p, i) => (i === index ? { ...prompt, text: event.target.value } : p)))}
                  />
                ) : (
                  <input
                    aria-label={t('prompts.uriOf', { n: index + 1, language: t(`language.${locale}`) })}
                    name={`${name}.${locale}.${index}`}
                    value={prompt.uri}
                    onChange={(event) => setList(locale, list.map((p, i) => (i === index ? { ...prompt, uri: event.target.value } : p)))}
                  />
                )}
                <button type="button" className="link-button" onClick={() => setList(locale, list.filter((_, i) => i !== index))}>
                  {t('common.remove')}
                </button>
              </div>
            ))}
            <button type="button" className="link-button" onClick={() => setList(locale, [...list, { kind: 'text', text: '', locale }])}>
              {t('prompts.addOne', { language: t(`language.${locale}`) })}
            </button>
          </div>
        );
      })}
      {optional ? (
        <button type="button" className="link-button" onClick={() => onChange(undefined)}>
          {t('prompts.removeAll')}
        </button>
      ) : null}
      {error ? (
        <p className="field__error" data-field-error={name}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
