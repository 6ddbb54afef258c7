import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { breakingChanges, type JsonValue } from './compatibility';
import { defineTopic } from './topic';
import { topicJsonSchema } from './json-schema';
import { topicRegistry } from './registry';
import { envelopeSchema } from './envelope';
import { signupRequestSchema } from './tenant/tenant.http';

const snapshots = join(__dirname, '..', 'schemas');

describe('published contracts', () => {
  const published = topicRegistry.filter((t) => t.status === 'published');

  it.each(published.map((t) => [t.name, t] as const))('%s has a checked-in JSON-Schema snapshot and stays compatible with it', (_name, topic) => {
    const file = join(snapshots, `${topic.name}.json`);
    expect(existsSync(file)).toBe(true);
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as JsonValue;
    expect(breakingChanges(snapshot, topicJsonSchema(topic))).toEqual([]);
  });

  it('names every topic <domain>.<entity>.<event>.v<major> and refuses anything else', () => {
    for (const topic of topicRegistry) expect(topic.name).toMatch(/^[a-z-]+\.[a-z-]+\.[a-z-]+\.v\d+$/);
    expect(() => defineTopic({ name: 'tenant.created', description: '', schema: z.object({}), keyOf: () => 'k' })).toThrow(/<domain>\.<entity>\.<event>\.v<major>/);
  });
});

describe('breakingChanges', () => {
  const v1 = defineTopic({
    name: 'test.thing.happened.v1',
    description: 'test',
    schema: z.object({ id: z.uuid(), count: z.number().int(), kind: z.enum(['a', 'b']), note: z.string().optional() }),
    keyOf: (p) => p.id,
  });
  const base = topicJsonSchema(v1);
  const changed = (schema: z.ZodType) => topicJsonSchema({ ...v1, schema });

  it('accepts the same schema and an added optional field', () => {
    expect(breakingChanges(base, base)).toEqual([]);
    const added = changed(z.object({ id: z.uuid(), count: z.number().int(), kind: z.enum(['a', 'b']), note: z.string().optional(), extra: z.string().optional() }));
    expect(breakingChanges(base, added)).toEqual([]);
  });

  it('refuses a removed field, a new required field, a retyped field, a changed enum and a relaxed requirement', () => {
    expect(breakingChanges(base, changed(z.object({ id: z.uuid(), kind: z.enum(['a', 'b']), note: z.string().optional() })))).toContainEqual(expect.stringContaining('count: removed'));
    expect(breakingChanges(base, changed(z.object({ id: z.uuid(), count: z.number().int(), kind: z.enum(['a', 'b']), note: z.string().optional(), must: z.string() })))).toContainEqual(expect.stringContaining('must: added as required'));
    expect(breakingChanges(base, changed(z.object({ id: z.uuid(), count: z.string(), kind: z.enum(['a', 'b']), note: z.string().optional() })))).not.toEqual([]);
    expect(breakingChanges(base, changed(z.object({ id: z.uuid(), count: z.number().int(), kind: z.enum(['a', 'b', 'c']), note: z.string().optional() })))).not.toEqual([]);
    expect(breakingChanges(base, changed(z.object({ id: z.uuid(), count: z.number().int().optional(), kind: z.enum(['a', 'b']), note: z.string().optional() })))).toContainEqual(expect.stringContaining('count: no longer required'));
  });

  it('accepts a new variant added at the end of a discriminated union, and refuses a removed, reordered or changed one', () => {
    const variant = (type: string, extra: Record<string, z.ZodType> = {}) => z.object({ type: z.literal(type), ...extra });
    const union = (...variants: [ReturnType<typeof variant>, ...ReturnType<typeof variant>[]]) => changed(z.object({ id: z.uuid(), command: z.discriminatedUnion('type', variants) }));
    const published = union(variant('a'), variant('b', { n: z.number() }));
    expect(breakingChanges(published, union(variant('a'), variant('b', { n: z.number() }), variant('c')))).toEqual([]);
    expect(breakingChanges(published, union(variant('a')))).not.toEqual([]);
    expect(breakingChanges(published, union(variant('b', { n: z.number() }), variant('a')))).not.toEqual([]);
    expect(breakingChanges(published, union(variant('a'), variant('b', { n: z.string() }), variant('c')))).not.toEqual([]);
  });
});

describe('envelope and HTTP schemas', () => {
  it('requires the tenant and a UUID id on every envelope', () => {
    const ok = { id: '6f1c1f8e-8c53-4b8a-9a53-1c1d2c3b4a5f', type: 'x.y.z.v1', version: 1, tenantId: '0b8e6f4e-1a4c-4d2b-8f0e-2a3b4c5d6e7f', occurredAt: new Date().toISOString(), key: 'k', payload: {}, headers: {} };
    expect(envelopeSchema.safeParse(ok).success).toBe(true);
    expect(envelopeSchema.safeParse({ ...ok, tenantId: undefined }).success).toBe(false);
    expect(envelopeSchema.safeParse({ ...ok, id: 'nope' }).success).toBe(false);
  });

  it('validates signup slugs: length, alphabet, reserved words', () => {
    const body = { companyName: 'Acme', slug: 'acme-01', adminName: 'Ada', adminEmail: 'Ada@Acme.test', password: 'long enough pw' };
    expect(signupRequestSchema.parse(body).adminEmail).toBe('ada@acme.test');
    for (const slug of ['ab', 'Acme', '-acme', 'acme-', 'a_b_c', 'x'.repeat(41), 'admin', 'api']) {
      expect(signupRequestSchema.safeParse({ ...body, slug }).success).toBe(false);
    }
  });
});
