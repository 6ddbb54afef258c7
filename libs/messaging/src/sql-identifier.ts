const IDENT = /^[a-z_][a-z0-9_]*$/;

/** Returns `name` if it is a plain lower-case SQL identifier (schema names are interpolated into SQL), throws otherwise. */
export function sqlIdentifier(name: string): string {
  if (!IDENT.test(name)) throw new Error(`"${name}" is not a plain SQL identifier`);
  return name;
}
