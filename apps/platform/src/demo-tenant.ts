import { randomBytes } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { PhoneNumbersService, SignupService, TENANT_UNIT_OF_WORK } from '@parley/tenant';

export const DEMO_SLUG = 'demo';
export const DEMO_OWNER_EMAIL = 'owner@demo.parley.local';
export const DEMO_NUMBER = '+18005550100';

export interface DemoTenantResult {
  created: boolean;
  /** Only when the tenant was created by this start and the password was generated. */
  generatedPassword?: string;
}

/** Creates the demo tenant on the first start: owner, and the demo phone number. Later starts change nothing. */
export async function ensureDemoTenant(app: INestApplication, chosenPassword: string | undefined): Promise<DemoTenantResult> {
  const uow = app.get<UnitOfWork>(TENANT_UNIT_OF_WORK);
  const exists = await uow.asSystem('demo tenant check', async (tx) => {
    const rows: unknown[] = await tx.manager.query('SELECT 1 FROM tenant.tenants WHERE slug = $1', [DEMO_SLUG]);
    return rows.length > 0;
  });
  if (exists) return { created: false };

  const password = chosenPassword ?? `demo-${randomBytes(9).toString('base64url')}`;
  const signup = await app.get(SignupService).createTenant({
    companyName: 'Parley Demo',
    slug: DEMO_SLUG,
    adminName: 'Demo Owner',
    adminEmail: DEMO_OWNER_EMAIL,
    password,
    locale: 'en',
  });
  await app.get(PhoneNumbersService).add(signup.tenant.id, { e164: DEMO_NUMBER, label: 'Demo main line' });
  return { created: true, generatedPassword: chosenPassword ? undefined : password };
}
