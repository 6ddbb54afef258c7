import { randomUUID } from 'node:crypto';
import { type Binding, type BindingStore } from './binding-store.port';

/** One behaviour for every binding store: run by the memory unit test and the Redis integration test. */
export function describeBindingStore(name: string, make: () => BindingStore): void {
  describe(`${name} binding store`, () => {
    const binding = (over: Partial<Binding> = {}): Binding => ({
      tenantId: randomUUID(),
      userId: randomUUID(),
      contact: `sip:${randomUUID().slice(0, 8)}@abc.invalid;transport=ws`,
      nodeId: 'node-1',
      flowId: 'ws:1',
      callId: randomUUID(),
      cseq: 1,
      expiresAt: Date.now() + 60_000,
      ...over,
    });

    it('keeps several contacts per user, refreshes one, and removes one', async () => {
      const store = make();
      const a = binding();
      const b = binding({ tenantId: a.tenantId, userId: a.userId, flowId: 'ws:2' });
      await store.upsert(a);
      await store.upsert(b);
      await store.upsert({ ...a, cseq: 2 });
      const listed = await store.list(a.tenantId, a.userId);
      expect(listed.map((x) => [x.contact, x.cseq]).sort()).toEqual([[a.contact, 2], [b.contact, 1]].sort());
      expect(await store.remove(a.tenantId, a.userId, a.contact)).toBe(true);
      expect((await store.list(a.tenantId, a.userId)).map((x) => x.contact)).toEqual([b.contact]);
    });

    it('hides expired bindings and keeps tenants apart', async () => {
      const store = make();
      const a = binding({ expiresAt: Date.now() + 50 });
      await store.upsert(a);
      expect(await store.list(a.tenantId, a.userId, Date.now() + 100)).toEqual([]);
      const b = binding();
      await store.upsert(b);
      expect(await store.list(randomUUID(), b.userId)).toEqual([]);
    });
  });
}
