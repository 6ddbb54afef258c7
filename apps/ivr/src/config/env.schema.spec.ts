import { loadIvrEnv } from './env.schema';

describe('ivr settings', () => {
  it('names every missing or bad variable at once', () => {
    expect(() => loadIvrEnv({ IVR_TIMER_POLL_MS: 'soon', IVR_WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow(
      /invalid ivr service configuration:\n(?=[\s\S]*PG_URL)(?=[\s\S]*JWT_SECRET)(?=[\s\S]*IVR_TIMER_POLL_MS)(?=[\s\S]*IVR_WEBHOOK_ALLOW_PRIVATE)/,
    );
    expect(() => loadIvrEnv({ PG_URL: 'postgres://u@h/db', JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: JWT_SECRET must be at least 32 characters/);
  });

  it('applies the defaults: private webhook addresses refused, a 2.5 s limit on late call starts', () => {
    const env = loadIvrEnv({ PG_URL: 'postgres://u@h/db', JWT_SECRET: 'x'.repeat(32) });
    expect(env).toMatchObject({ IVR_WEBHOOK_ALLOW_PRIVATE: 'false', IVR_CALL_START_MAX_AGE_MS: 2500, IVR_TIMER_POLL_MS: 250, HTTP_PORT: 8080 });
  });
});
