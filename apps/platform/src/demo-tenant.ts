import { randomBytes } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { type UnitOfWork } from '@parley/persistence';
import { PhoneNumbersService, SeatsService, SignupService, TENANT_UNIT_OF_WORK, UsersService } from '@parley/tenant';

export const DEMO_SLUG = 'demo';
export const DEMO_OWNER_EMAIL = 'owner@demo.parley.local';
export const DEMO_NUMBER = '+18005550100';
export const DEMO_AGENTS = [
  { email: 'agent1@demo.parley.local', name: 'Demo Agent One' },
  { email: 'agent2@demo.parley.local', name: 'Demo Agent Two' },
] as const;

export interface DemoAgent {
  email: string;
  userId: string;
  /** Only when this start created the agent and generated its password. */
  generatedPassword?: string;
}

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

/**
 * The demo tenant's two agents, each with a seat (created when missing, so a `.data/` from before
 * they existed gets them too). Their passwords are generated and printed once, or
 * PARLEY_DEMO_PASSWORD.
 */
export async function ensureDemoAgents(app: INestApplication, chosenPassword: string | undefined): Promise<DemoAgent[]> {
  const uow = app.get<UnitOfWork>(TENANT_UNIT_OF_WORK);
  const tenantId = await uow.asSystem('demo tenant id', async (tx) => {
    const rows: { id: string }[] = await tx.manager.query('SELECT id FROM tenant.tenants WHERE slug = $1', [DEMO_SLUG]);
    return rows[0]?.id;
  });
  if (!tenantId) return [];
  const agents: DemoAgent[] = [];
  for (const agent of DEMO_AGENTS) {
    const existing = await uow.inTenant(tenantId, async (tx) => {
      const rows: { id: string }[] = await tx.manager.query('SELECT id FROM tenant.users WHERE lower(email) = $1', [agent.email]);
      return rows[0]?.id;
    });
    if (existing) {
      agents.push({ email: agent.email, userId: existing });
      continue;
    }
    // Generated agent passwords must pass the password policy (no company slug in them).
    const password = chosenPassword ?? `parley-${randomBytes(9).toString('base64url')}`;
    const user = await app.get(UsersService).create(tenantId, { email: agent.email, name: agent.name, role: 'agent', password });
    await app.get(SeatsService).assign(tenantId, user.id);
    agents.push({ email: agent.email, userId: user.id, generatedPassword: chosenPassword ? undefined : password });
  }
  return agents;
}
