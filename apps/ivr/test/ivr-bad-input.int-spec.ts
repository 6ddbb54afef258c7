import fc from 'fast-check';
import { type ApiErrorBody } from '@parley/contracts';
import { type FlowView } from '../src/index';
import { assignNumber, menuFlow, newTenant, numberKnown, startIvrApp, type IvrTestApp, type TestTenant } from './ivr-test-kit';

const WEBHOOK = 'https://crm.example.com/lookup';

function paths(body: ApiErrorBody): string[] {
  return (body.fields ?? []).map((f) => f.path);
}

describe('bad input to the ivr API: 400/422 naming the field, never a 500', () => {
  let t: IvrTestApp;
  let tenant: TestTenant;
  let owner: { authorization: string };
  let flow: FlowView;
  let numberId: string;

  beforeAll(async () => {
    t = await startIvrApp();
    tenant = newTenant();
    owner = await tenant.auth('owner');
    flow = (await t.http.post('/api/v1/ivr/flows').set(owner).send({ document: menuFlow(WEBHOOK) }).expect(201)).body as FlowView;
    await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner).expect(201);
    numberId = (await assignNumber(t.bus, tenant)).numberId;
    await numberKnown(t, tenant, numberId);
  }, 120_000);
  afterAll(() => t?.close());

  it('names the missing, unknown or malformed parts of a flow body, with the node they are in', async () => {
    const missing = await t.http.post('/api/v1/ivr/flows').set(owner).send({});
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toEqual([{ path: 'document', message: 'is required' }]);

    const unknown = await t.http.post('/api/v1/ivr/flows').set(owner).send({ document: menuFlow(WEBHOOK), owner: 'me' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields).toEqual([{ path: 'owner', message: 'is not a known field' }]);

    const document = menuFlow(WEBHOOK);
    const menu = document.nodes[2] as Record<string, unknown>;
    menu.options = {};
    const lookup = document.nodes[1] as Record<string, unknown>;
    lookup.url = 'http://crm.example.com/lookup';
    const shape = await t.http.post('/api/v1/ivr/flows').set(owner).send({ document });
    expect(shape.status).toBe(400);
    const body = shape.body as ApiErrorBody;
    expect(paths(body).sort()).toEqual(['document.nodes.1.url', 'document.nodes.2.options']);
    expect(body.fields?.find((f) => f.path === 'document.nodes.2.options')?.message).toBe('node "main-menu": a menu needs at least one option');
    expect(body.fields?.find((f) => f.path === 'document.nodes.1.url')?.message).toBe('node "lookup": must be an https:// URL');

    const notJson = await t.http.post('/api/v1/ivr/flows').set(owner).set('content-type', 'application/json').send('{"document": ');
    expect(notJson.status).toBe(400);
    expect(paths(notJson.body as ApiErrorBody)).toEqual(['(body)']);

    const wrongType = await t.http.put(`/api/v1/ivr/flows/${flow.id}/draft`).set(owner).send({ document: menuFlow(WEBHOOK), baseRevision: 'one' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.fields).toEqual([{ path: 'baseRevision', message: 'must be number, not string' }]);
    const array = await t.http.post(`/api/v1/ivr/flows/${flow.id}/publish`).set(owner).send([1]);
    expect(array.status).toBe(400);
    expect(paths(array.body as ApiErrorBody)).toEqual(['(body)']);
  });

  it('names bad path parameters', async () => {
    const id = await t.http.get('/api/v1/ivr/flows/not-a-uuid').set(owner);
    expect(id.status).toBe(400);
    expect(id.body.fields).toEqual([{ path: 'id', message: 'must be a UUID' }]);
    const version = await t.http.get(`/api/v1/ivr/flows/${flow.id}/versions/first`).set(owner);
    expect(version.status).toBe(400);
    expect(version.body.fields).toEqual([{ path: 'version', message: 'must be a whole number from 1' }]);
    expect((await t.http.get(`/api/v1/ivr/flows/${flow.id}/versions/0`).set(owner)).status).toBe(400);
    const number = await t.http.put('/api/v1/ivr/numbers/12345/binding').set(owner).send({ flowId: flow.id, version: 'latest' });
    expect(number.status).toBe(400);
    expect(number.body.fields).toEqual([{ path: 'numberId', message: 'must be a UUID' }]);
  });

  it('names the broken field of a simulation script', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'script'],
      [{ script: {} }, 'script.startAt'],
      [{ script: { startAt: 'yesterday' } }, 'script.startAt'],
      [{ script: { startAt: '2025-01-06T10:00:00Z', digits: [{ digits: '12x' }] } }, 'script.digits.0.digits'],
      [{ script: { startAt: '2025-01-06T10:00:00Z', webhooks: [{ nodeId: 'lookup', latencyMs: -5 }] } }, 'script.webhooks.0.latencyMs'],
      [{ script: { startAt: '2025-01-06T10:00:00Z', transfers: ['maybe'] } }, 'script.transfers.0'],
      [{ script: { startAt: '2025-01-06T10:00:00Z' }, version: 0 }, 'version'],
      [{ script: { startAt: '2025-01-06T10:00:00Z', callId: 'abc' } }, 'script.callId'],
    ];
    for (const [body, field] of cases) {
      const response = await t.http.post(`/api/v1/ivr/flows/${flow.id}/simulate`).set(owner).send(body as object);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(paths(response.body as ApiErrorBody)).toContain(field);
    }
  });

  it('answers every malformed binding body with a 4xx naming the broken field (property-based)', async () => {
    const wrong = fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 0 }), fc.double({ noInteger: true }), fc.boolean(), fc.string({ maxLength: 8 }), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));
    await fc.assert(
      fc.asyncProperty(
        fc.record({ breakFlow: fc.boolean(), breakVersion: fc.boolean(), flowValue: wrong, versionValue: wrong, dropFlow: fc.boolean(), dropVersion: fc.boolean() }).filter((c) => c.breakFlow || c.breakVersion),
        async (c) => {
          const body: Record<string, unknown> = { flowId: flow.id, version: 'latest' };
          if (c.breakFlow) {
            if (c.dropFlow) delete body.flowId;
            else body.flowId = c.flowValue;
          }
          if (c.breakVersion) {
            if (c.dropVersion) delete body.version;
            else body.version = c.versionValue === 'latest' ? 'newest' : c.versionValue;
          }
          const response = await t.http.put(`/api/v1/ivr/numbers/${numberId}/binding`).set(owner).send(body);
          expect(response.status).toBe(400);
          const named = paths(response.body as ApiErrorBody);
          if (c.breakFlow) expect(named).toContain('flowId');
          if (c.breakVersion) expect(named).toContain('version');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses a number or flow the tenant does not have (404) and a version that does not exist (422)', async () => {
    const unknownNumber = await t.http.put(`/api/v1/ivr/numbers/${flow.id}/binding`).set(owner).send({ flowId: flow.id, version: 'latest' });
    expect(unknownNumber.status).toBe(404);
    expect(unknownNumber.body.message).toContain("is not one of this tenant's numbers");
    const unknownFlow = await t.http.put(`/api/v1/ivr/numbers/${numberId}/binding`).set(owner).send({ flowId: numberId, version: 'latest' });
    expect(unknownFlow.status).toBe(404);
    expect(paths(unknownFlow.body as ApiErrorBody)).toEqual(['flowId']);
    const noVersion = await t.http.put(`/api/v1/ivr/numbers/${numberId}/binding`).set(owner).send({ flowId: flow.id, version: 4 });
    expect(noVersion.status).toBe(422);
    expect(paths(noVersion.body as ApiErrorBody)).toEqual(['version']);
  });
});
