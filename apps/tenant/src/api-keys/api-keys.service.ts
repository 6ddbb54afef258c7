import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { generateApiKey, parseApiKey, verifyApiKeySecret, type ApiKeyIdentity, type ApiKeyVerifier } from '@parley/auth';
import { type UnitOfWork } from '@parley/persistence';
import { type Clock, TENANT_CLOCK, TENANT_UNIT_OF_WORK } from '../tenant.tokens';
import { ApiKeyRepository } from './api-key.repository';
import { type ApiKeyEntity } from './api-key.entity';

export interface ApiKeyView {
  id: string;
  name: string;
  role: ApiKeyEntity['role'];
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toView(k: ApiKeyEntity): ApiKeyView {
  return { id: k.id, name: k.name, role: k.role, prefix: `pk_live_${k.id}`, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null };
}

/** Tenant API keys for integrations: shown once, stored as a hash, revocable; they act with the admin role. */
@Injectable()
export class ApiKeysService implements ApiKeyVerifier {
  constructor(
    @Inject(TENANT_UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(TENANT_CLOCK) private readonly clock: Clock,
    private readonly keys: ApiKeyRepository,
  ) {}

  list(tenantId: string): Promise<ApiKeyView[]> {
    return this.uow.inTenant(tenantId, async (tx) => (await this.keys.list(tx)).map(toView));
  }

  create(tenantId: string, name: string, createdBy: string | null): Promise<ApiKeyView & { key: string }> {
    const generated = generateApiKey();
    return this.uow.inTenant(tenantId, async (tx) => {
      const key = await this.keys.insert(tx, { id: generated.id, name, role: 'admin', secretHash: generated.secretHash, createdBy, createdAt: this.clock() });
      return { ...toView(key), key: generated.key };
    });
  }

  revoke(tenantId: string, id: string): Promise<void> {
    return this.uow.inTenant(tenantId, async (tx) => {
      if (!(await this.keys.revoke(tx, id, this.clock()))) throw new NotFoundException(`API key ${id} was not found or is already revoked`);
    });
  }

  async verify(apiKey: string): Promise<ApiKeyIdentity | null> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) return null;
    const found = await this.uow.asSystem('api-key lookup', (tx) => this.keys.findLive(tx, parsed.id));
    if (!found || !verifyApiKeySecret(parsed.secret, found.secretHash)) return null;
    await this.uow.inTenant(found.tenantId, (tx) => this.keys.touch(tx, found.id, this.clock()));
    return { tenantId: found.tenantId, apiKeyId: found.id, role: found.role };
  }
}
