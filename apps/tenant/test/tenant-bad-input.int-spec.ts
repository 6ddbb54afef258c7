import fc from 'fast-check';
import { type ApiErrorBody } from '@parley/contracts';
import { nextClientAddress, startTenantApp, TEST_PASSWORD, type TenantTestApp } from './tenant-test-app';

/** Values that are never acceptable for a string field of these bodies. */
const wrongValue = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 2 }),
  fc.constant(''),
  fc.string({ minLength: 257, maxLength: 400 }),
);

const validSignup = { companyName: 'Acme', slug: 'acme-co', adminName: 'Ada', adminEmail: 'ada@acme.test', password: TEST_PASSWORD };
const validLogin = { tenant: 'acme-co', email: 'ada@acme.test', password: TEST_PASSWORD };

/** A body with at least one field broken (wrong type, missing, or a value the field never accepts), and which fields. */
function brokenBody(valid: Record<string, string>, badStrings: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<{ body: Record<string, unknown>; broken: string[] }> {
  const fields = Object.keys(valid);
  return fc
    .record({
      targets: fc.subarray(fields, { minLength: 1 }),
      how: fc.array(fc.constantFrom('wrong-type', 'missing', 'bad-string'), { minLength: fields.length, maxLength: fields.length }),
      values: fc.array(wrongValue, { minLength: fields.length, maxLength: fields.length }),
      strings: fc.record(badStrings),
    })
    .map(({ targets, how, values, strings }) => {
      const body: Record<string, unknown> = { ...valid };
      targets.forEach((field, i) => {
        const mode = how[i] === 'bad-string' && !(field in strings) ? 'wrong-type' : how[i];
        if (mode === 'missing') delete body[field];
        else if (mode === 'bad-string') body[field] = (strings as Record<string, string>)[field];
        else body[field] = values[i];
      });
      return { body, broken: targets };
    });
}

function expectNamedFieldError(status: number, body: ApiErrorBody, broken: string[]): void {
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(body.fields?.length).toBeGreaterThan(0);
  const named = body.fields!.map((f) => f.path);
  expect(named.some((path) => broken.some((field) => path === field || path.startsWith(`${field}.`)))).toBe(true);
  expect(body.message).toEqual(expect.any(String));
}

describe('bad input to signup and login (property-based)', () => {
  let t: TenantTestApp;
  beforeAll(async () => {
    t = await startTenantApp();
  });
  afterAll(() => t?.close());

  it('answers every malformed signup body with a 4xx that names the broken field, never a 500', async () => {
    const badSignupStrings = {
      slug: fc.constantFrom('ab', 'UPPER', '-lead', 'trail-', 'sp ace', 'admin', 'x'.repeat(41), 'ünï'),
      adminEmail: fc.constantFrom('not-an-email', '@x.test', 'a@', 'a b@c.d', 'x'.repeat(250) + '@a.b'),
      password: fc.string({ maxLength: 9 }),
      companyName: fc.constantFrom('   ', 'x'.repeat(121)),
      adminName: fc.constantFrom('', ' '.repeat(5), 'n'.repeat(121)),
    };
    await fc.assert(
      fc.asyncProperty(brokenBody(validSignup, badSignupStrings), async ({ body, broken }) => {
        const res = await t.http.post('/api/v1/signup').set('x-forwarded-for', nextClientAddress()).send(body);
        expectNamedFieldError(res.status, res.body as ApiErrorBody, broken);
      }),
      { numRuns: 1500 },
    );
  });

  it('answers every malformed login body with a 4xx that names the broken field, never a 500', async () => {
    const badLoginStrings = {
      email: fc.constantFrom('nobody', 'a@', '@b.c'),
      tenant: fc.constantFrom('', 'x'.repeat(41)),
      password: fc.constant(''),
    };
    await fc.assert(
      fc.asyncProperty(brokenBody(validLogin, badLoginStrings), async ({ body, broken }) => {
        const res = await t.http.post('/api/v1/auth/login').send(body);
        expectNamedFieldError(res.status, res.body as ApiErrorBody, broken);
      }),
      { numRuns: 1500 },
    );
  });

  it('answers bodies that are not JSON objects, unknown fields and malformed JSON with a 400 naming the body or the field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)), fc.string()), async (value) => {
        for (const path of ['/api/v1/signup', '/api/v1/auth/login']) {
          const res = await t.http.post(path).set('content-type', 'application/json').send(JSON.stringify(value));
          expect(res.status).toBe(400);
          expect((res.body as ApiErrorBody).fields?.[0]?.path).toBe('(body)');
        }
      }),
      { numRuns: 200 },
    );
    const broken = await t.http.post('/api/v1/signup').set('content-type', 'application/json').send('{"slug": "abc",');
    expect(broken.status).toBe(400);
    expect(broken.body.message).toMatch(/not valid JSON/);
    const extra = await t.http.post('/api/v1/auth/login').send({ ...validLogin, admin: true });
    expect(extra.status).toBe(400);
    expect(extra.body.fields).toEqual([{ path: 'admin', message: 'is not a known field' }]);
  });
});
