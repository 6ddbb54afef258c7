import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { z } from 'zod';
import { defineTopic, tenantCreatedV1 } from '@parley/contracts';
import { createEnvelope, parseEnvelope } from './envelope';
import { MessageValidationError } from './message.errors';
import { type MessagingLogger } from './messaging-logger';
import { decodeWireMessage, encodeEnvelope } from './wire-format';

const topic = defineTopic({
  name: 'test.agent.moved.v2',
  status: 'draft',
  description: 'envelope test topic',
  schema: z.object({ agentId: z.uuid(), queue: z.string().min(1), skills: z.array(z.string()).optional() }),
  keyOf: (p) => p.agentId,
});
const tenantId = randomUUID();
const agentId = randomUUID();
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('createEnvelope', () => {
  it('fills id, type, version, key, tenant, time and headers from the topic declaration', () => {
    const before = Date.now();
    const e = createEnvelope(topic, tenantId, { agentId, queue: 'sales' }, { headers: { traceparent } });
    expect(e).toMatchObject({ type: 'test.agent.moved.v2', version: 2, tenantId, key: agentId, payload: { agentId, queue: 'sales' } });
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(e.occurredAt).getTime()).toBeGreaterThanOrEqual(before);
    expect(e.headers).toEqual({ traceparent, 'x-tenant-id': tenantId });
  });

  it('keeps a given id and time, and never lets a header claim another tenant', () => {
    const id = randomUUID();
    const e = createEnvelope(topic, tenantId, { agentId, queue: 'q' }, { id, occurredAt: new Date('2026-01-02T03:04:05Z'), headers: { 'x-tenant-id': randomUUID() } });
    expect(e.id).toBe(id);
    expect(e.occurredAt).toBe('2026-01-02T03:04:05.000Z');
    expect(e.headers['x-tenant-id']).toBe(tenantId);
  });

  it('drops fields the contract does not declare', () => {
    const e = createEnvelope(topic, tenantId, { agentId, queue: 'q', password: 'secret' } as never);
    expect(e.payload).toEqual({ agentId, queue: 'q' });
  });

  it('throws a MessageValidationError naming the topic and every failing field', () => {
    let error: unknown;
    try {
      createEnvelope(topic, 'not-a-tenant', { agentId: 'nope', queue: '', skills: [1] } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessageValidationError);
    const v = error as MessageValidationError;
    expect(v.topic).toBe('test.agent.moved.v2');
    expect(v.issues.map((i) => i.path)).toEqual(['tenantId', 'payload.agentId', 'payload.queue', 'payload.skills.0']);
    expect(v.message).toMatch(/^invalid message for topic "test\.agent\.moved\.v2": tenantId: must be a UUID; payload\.agentId: /);
  });
});

describe('parseEnvelope', () => {
  const valid = createEnvelope(topic, tenantId, { agentId, queue: 'sales' }, { headers: { traceparent } });

  it('accepts a valid envelope, as JSON text or as a value', () => {
    expect(parseEnvelope(JSON.stringify(valid), topic)).toEqual({ ok: true, topic, envelope: valid });
    expect(parseEnvelope(valid, topic)).toMatchObject({ ok: true, envelope: valid });
  });

  it('finds a registered topic by the name it arrived on', () => {
    const created = createEnvelope(tenantCreatedV1, tenantId, {
      tenantId,
      slug: 'acme',
      companyName: 'Acme',
      locale: 'en',
      plan: 'trial',
      seatLimit: 3,
      sipDomain: 'acme.sip.test',
      createdAt: new Date().toISOString(),
    });
    expect(parseEnvelope(created, 'tenant.tenant.created.v1')).toMatchObject({ ok: true });
    expect(parseEnvelope(created, 'nobody.knows.this.v1')).toMatchObject({ ok: false, reason: 'unknown-topic' });
  });

  it.each([
    ['invalid-json', '{"id":', /JSON/],
    ['invalid-envelope', { ...valid, id: 'x' }, /^id: /],
    ['invalid-envelope', { ...valid, tenantId: undefined }, /^tenantId: /],
    ['topic-mismatch', { ...valid, type: 'test.agent.moved.v1' }, /arrived on "test\.agent\.moved\.v2"/],
    ['topic-mismatch', { ...valid, version: 1 }, /v1 message/],
    ['tenant-mismatch', { ...valid, headers: { 'x-tenant-id': randomUUID() } }, /x-tenant-id/],
    ['invalid-payload', { ...valid, payload: { agentId, queue: 7 } }, /^payload\.queue: /],
  ])('refuses with reason %s', (reason, raw, detail) => {
    const result = parseEnvelope(raw, topic);
    expect(result).toMatchObject({ ok: false, reason });
    expect(result.ok === false && result.detail).toMatch(detail);
  });
});

describe('wire format', () => {
  it('carries the headers beside the JSON value and restores them', () => {
    const e = createEnvelope(topic, tenantId, { agentId, queue: 'sales' }, { headers: { traceparent } });
    const wire = encodeEnvelope(e);
    expect(wire.key).toBe(agentId);
    expect(JSON.parse(wire.value)).not.toHaveProperty('headers');
    expect(wire.headers).toEqual({ traceparent, 'x-tenant-id': tenantId });
    expect(decodeWireMessage(wire.value, wire.headers, topic)).toEqual({ ok: true, topic, envelope: e });
    expect(decodeWireMessage(null, {}, topic)).toMatchObject({ ok: false, reason: 'invalid-json' });
    expect(decodeWireMessage('[1,2]', {}, topic)).toMatchObject({ ok: false, reason: 'invalid-envelope' });
  });
});

describe('MessagingLogger', () => {
  it('accepts a pino logger as it is', () => {
    const logger: MessagingLogger = pino({ level: 'silent' });
    expect(() => logger.warn({ topic: 't' }, 'message')).not.toThrow();
  });
});
