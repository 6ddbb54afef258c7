import { en } from './en.messages';

/** A key of the message catalogs. */
export type MessageKey = keyof typeof en;

/** The placeholder names in a message template, e.g. `'Hello {name}'` → `'name'`. */
export type PlaceholderNames<S extends string> = S extends `${infer _Head}{${infer Name}}${infer Rest}` ? Name | PlaceholderNames<Rest> : never;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** A translation of a template with these placeholders: a string containing every one of them. */
type Translation<P extends string> = [P] extends [never] ? string : UnionToIntersection<P extends string ? `${string}{${P}}${string}` : never>;

/**
 * A complete catalog: exactly the English keys (a missing key is a type error, and so is an extra
 * one in an object literal), each value containing the English message's placeholders.
 */
export type Catalog = { readonly [K in MessageKey]: Translation<PlaceholderNames<(typeof en)[K]>> };

/** The values a message needs, by placeholder name. */
export type MessageParams<K extends MessageKey> = Record<PlaceholderNames<(typeof en)[K]>, string | number>;

type ParamsArg<K extends MessageKey> = [PlaceholderNames<(typeof en)[K]>] extends [never] ? [] : [params: MessageParams<K>];

/** Translates a key into the current locale, filling its placeholders (required exactly when the message has some). */
export type Translate = <K extends MessageKey>(key: K, ...params: ParamsArg<K>) => string;

/** Every placeholder name in a template, in order of appearance (duplicates kept). */
export function placeholdersOf(template: string): string[] {
  return Array.from(template.matchAll(/\{([A-Za-z0-9_]+)\}/g), (m) => m[1] ?? '');
}

/** Fills `{name}` placeholders; a placeholder without a value is a programming error and throws naming it. */
export function formatMessage(template: string, params: Readonly<Record<string, string | number>>, key: string): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`message "${key}" needs a value for {${name}}`);
    return String(value);
  });
}
