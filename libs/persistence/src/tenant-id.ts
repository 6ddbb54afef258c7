const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

declare const tenantIdBrand: unique symbol;
/** A tenant id that has been checked to be a UUID. Repositories take it only through a tenant transaction. */
export type TenantId = string & { readonly [tenantIdBrand]: true };

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function asTenantId(value: string): TenantId {
  if (!isUuid(value)) throw new TypeError(`tenant id "${value}" is not a UUID`);
  return value.toLowerCase() as TenantId;
}
