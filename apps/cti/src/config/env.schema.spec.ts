import { loadCtiEnv } from './env.schema';

const base = { PG_URL: 'postgres://app@127.0.0.1/parley', JWT_SECRET: 'x'.repeat(32), CTI_DATA_KEY: 'k'.repeat(32) };

describe('cti env schema', () => {
  it('applies the defaults: CRM timeout 1.5 s, tickets for 30 s, private CRM addresses refused', () => {
    const env = loadCtiEnv(base);
    expect(env).toMatchObject({ CTI_CRM_TIMEOUT_MS: 1500, CTI_WS_TICKET_TTL_SECONDS: 30, CTI_CRM_ALLOW_PRIVATE: 'false', CTI_CONSUMER_GROUP_PREFIX: 'cti' });
  });

  it('names every bad variable at once, and never accepts a CRM timeout above 1.5 s or a short data key', () => {
    expect(() => loadCtiEnv({ ...base, CTI_DATA_KEY: 'short', CTI_CRM_TIMEOUT_MS: '5000', JWT_SECRET: undefined })).toThrow(
      /JWT_SECRET: JWT_SECRET is required\n {2}CTI_DATA_KEY: CTI_DATA_KEY must be at least 32 characters\n {2}CTI_CRM_TIMEOUT_MS: .*1500/,
    );
  });
});
