import { CATALOGS } from './catalogs';
import { en } from './en.messages';
import { formatMessage, placeholdersOf, type Catalog } from './message-catalog';
import { parseLocale, pickLocale } from './locale';
import { zhCN } from './zh-cn.messages';

const sortedPlaceholders = (template: string): string[] => [...new Set(placeholdersOf(template))].sort();

describe('message catalogs', () => {
  const enKeys = Object.keys(en).sort();

  it.each(Object.entries(CATALOGS))('%s has exactly the English keys', (_locale, catalog) => {
    const keys = Object.keys(catalog).sort();
    expect(keys.filter((k) => !enKeys.includes(k))).toEqual([]);
    expect(enKeys.filter((k) => !keys.includes(k))).toEqual([]);
  });

  it.each(Object.entries(CATALOGS))('%s has no empty or blank message', (_locale, catalog) => {
    const blank = Object.entries(catalog).filter(([, text]) => typeof text !== 'string' || text.trim() === '').map(([key]) => key);
    expect(blank).toEqual([]);
  });

  it.each(Object.entries(CATALOGS))('%s uses the same placeholders as English in every message', (_locale, catalog) => {
    const mismatched = Object.entries(en)
      .filter(([key, text]) => sortedPlaceholders(text).join() !== sortedPlaceholders((catalog as Readonly<Record<string, string>>)[key] ?? '').join())
      .map(([key]) => key);
    expect(mismatched).toEqual([]);
  });

  it('zh-CN is really translated: user-facing sentences differ from English', () => {
    // Brand and language names are the same in every language; everything with Latin words is not.
    const same = Object.entries(en)
      .filter(([key, text]) => /[a-z]{3}/i.test(text) && zhCN[key as keyof Catalog] === text)
      .map(([key]) => key);
    expect(same).toEqual(['app.name', 'language.en']);
  });

  it('the checks above catch a broken catalog', () => {
    const broken: Record<string, string> = { ...zhCN, 'signup.passwordHint': '至少 10 个字符' };
    delete broken['login.title'];
    expect(enKeys.filter((k) => !(k in broken))).toEqual(['login.title']);
    expect(sortedPlaceholders(broken['signup.passwordHint'] ?? '')).not.toEqual(sortedPlaceholders(en['signup.passwordHint']));
  });
});

describe('formatMessage', () => {
  it('fills every placeholder, in any order', () => {
    expect(formatMessage(zhCN['shell.signedInAs'], { name: '李雷', role: '坐席' }, 'shell.signedInAs')).toBe('当前用户：李雷（坐席）');
    expect(formatMessage('{b} then {a} and {b}', { a: 1, b: 'x' }, 'k')).toBe('x then 1 and x');
  });

  it('throws naming the key and the placeholder that has no value', () => {
    expect(() => formatMessage(en['validation.tooShort'], {}, 'validation.tooShort')).toThrow('message "validation.tooShort" needs a value for {min}');
  });
});

describe('pickLocale', () => {
  it.each([
    [['zh-CN', 'en'], 'zh-CN'],
    [['zh'], 'zh-CN'],
    [['zh-Hans-SG'], 'zh-CN'],
    [['ZH-tw'], 'zh-CN'],
    [['fr-FR', 'zh-CN'], 'zh-CN'],
    [['en-GB', 'zh-CN'], 'en'],
    [['fr-FR', 'de'], 'en'],
    [[], 'en'],
  ] as const)('%j → %s', (languages, expected) => {
    expect(pickLocale(languages)).toBe(expected);
  });

  it('parseLocale accepts only supported locales', () => {
    expect(parseLocale('zh-CN')).toBe('zh-CN');
    expect(parseLocale('zh-cn')).toBeNull();
    expect(parseLocale(null)).toBeNull();
  });
});

// Compile-time checks (npx tsc -p apps/web/tsconfig.json): the Catalog type refuses broken catalogs.
// Each @ts-expect-error fails the typecheck if the line below it stops being an error.
export const typeChecks = (): Catalog[] => {
  const { 'login.title': _dropped, ...withoutTitle } = zhCN;
  // @ts-expect-error a catalog without one of the English keys
  const missingKey: Catalog = withoutTitle;
  // @ts-expect-error a catalog with a key English does not have
  const extraKey: Catalog = { ...zhCN, 'login.subtitle': '副标题' };
  // @ts-expect-error a translation that drops a placeholder of the English message
  const droppedPlaceholder: Catalog = { ...zhCN, 'signup.passwordHint': '至少 10 个字符' };
  return [missingKey, extraKey, droppedPlaceholder];
};
