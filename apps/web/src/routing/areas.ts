import { type Role } from '@parley/contracts';

export type Area = 'agent' | 'supervisor' | 'admin';

export const AREA_PATHS: Readonly<Record<Area, string>> = { agent: '/agent', supervisor: '/supervisor', admin: '/admin' };

/**
 * The areas each role may open; the first is where the role lands after sign-in. The API enforces
 * the same split (acd statistics: supervisor and up; configuration: admin and owner).
 */
const AREAS_BY_ROLE: Readonly<Record<Role, readonly [Area, ...Area[]]>> = {
  agent: ['agent'],
  supervisor: ['supervisor'],
  admin: ['admin', 'supervisor'],
  owner: ['admin', 'supervisor'],
};

export function areasFor(role: Role): readonly [Area, ...Area[]] {
  return AREAS_BY_ROLE[role];
}

export function homeArea(role: Role): Area {
  return AREAS_BY_ROLE[role][0];
}

/** The area a path opens, or null when the path is not an area's. */
export function areaOfPath(path: string): Area | null {
  const entry = (Object.entries(AREA_PATHS) as [Area, string][]).find(([, areaPath]) => path === areaPath || path.startsWith(`${areaPath}/`));
  return entry ? entry[0] : null;
}
