interface PgLikeError {
  code?: string;
  constraint?: string;
  driverError?: { code?: string; constraint?: string };
}

function pgFields(error: unknown): { code?: string; constraint?: string } {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as PgLikeError;
  return { code: e.driverError?.code ?? e.code, constraint: e.driverError?.constraint ?? e.constraint };
}

/** True when `error` is a unique-constraint violation (optionally of the named constraint or index). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const f = pgFields(error);
  return f.code === '23505' && (constraint === undefined || f.constraint === constraint);
}

/** True when the database refused a row because of a row-level security policy. */
export function isRlsViolation(error: unknown): boolean {
  return pgFields(error).code === '42501';
}
