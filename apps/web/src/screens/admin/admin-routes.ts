import { type Role } from '@parley/contracts';

/** The admin console's sections, in the order of its menu; each is the path `/admin/<section>`. */
export const ADMIN_SECTIONS = ['users', 'numbers', 'queues', 'skills', 'agents', 'flows', 'hours', 'dispositions', 'breaks'] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

export type AdminRoute = { section: AdminSection; flowId?: string } | { section: null };

export const adminPath = (section: AdminSection): string => `/admin/${section}`;
export const flowEditorPath = (flowId: string): string => `/admin/flows/${encodeURIComponent(flowId)}`;

/** What a path under /admin opens; `section: null` for /admin itself (it opens the first section). */
export function adminRouteOf(path: string): AdminRoute | 'not-found' {
  const parts = path.replace(/\/+$/, '').split('/').slice(2);
  if (parts.length === 0) return { section: null };
  const section = ADMIN_SECTIONS.find((s) => s === parts[0]);
  if (!section) return 'not-found';
  if (parts.length === 1) return { section };
  if (section === 'flows' && parts.length === 2 && parts[1]) return { section, flowId: decodeURIComponent(parts[1]) };
  return 'not-found';
}

/**
 * Every signed-in screen with the roles that may open it; the screens test renders each of them
 * in every language, so a screen added here is checked without another test.
 */
export const SIGNED_IN_SCREENS: readonly { path: string; roles: readonly Role[] }[] = [
  { path: '/agent', roles: ['agent'] },
  { path: '/supervisor', roles: ['supervisor', 'admin', 'owner'] },
  ...ADMIN_SECTIONS.map((section) => ({ path: adminPath(section), roles: ['admin', 'owner'] as const })),
  { path: '/admin/flows/:flowId', roles: ['admin', 'owner'] },
];
