import { loadAcdEnv } from './env.schema';

describe('acd configuration', () => {
  const base = { PG_URL: 'postgres://app@127.0.0.1/parley', JWT_SECRET: 'x'.repeat(32), ACD_DATA_KEY: 'y'.repeat(32) };

  it('takes the defaults, and refuses bad settings naming each variable', () => {
    expect(loadAcdEnv(base)).toMatchObject({ HTTP_PORT: 8080, ACD_TENANT_LEASE_MS: 10_000, ACD_DEFAULT_TIME_ZONE: 'UTC', ACD_CONSUMER_GROUP_PREFIX: 'acd' });
    let message = '';
    try {
      loadAcdEnv({ ...base, ACD_DATA_KEY: 'short', ACD_DEFAULT_TIME_ZONE: 'Mars/Olympus', ACD_TENANT_LEASE_MS: '10', ACD_INSTANCE_ID: 'Bad Id' });
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    for (const name of ['ACD_DATA_KEY', 'ACD_DEFAULT_TIME_ZONE', 'ACD_TENANT_LEASE_MS', 'ACD_INSTANCE_ID']) expect(message).toContain(name);
  });
});
