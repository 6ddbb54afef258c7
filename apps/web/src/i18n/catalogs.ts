import { type Locale } from '@parley/contracts';
import { en } from './en.messages';
import { type Catalog } from './message-catalog';
import { zhCN } from './zh-cn.messages';

/** The catalog of every locale the product speaks (the locales of `localeSchema`). */
export const CATALOGS: Readonly<Record<Locale, Catalog>> = { en, 'zh-CN': zhCN };
