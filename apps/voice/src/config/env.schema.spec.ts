import { hostname } from 'node:os';
import { loadVoiceEnv } from './env.schema';

const base: NodeJS.ProcessEnv = {
  KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9092',
  REDIS_URL: 'redis://redis:6379',
  SIP_CREDENTIAL_SECRET: 'c'.repeat(32),
  SIP_NONCE_SECRET: 'n'.repeat(32),
  SIP_ADVERTISED_ADDRESS: '203.0.113.10',
  TENANT_DIRECTORY_URL: 'http://parley-tenant/api/v1/internal/v1/voice-directory',
  INTERNAL_API_TOKEN: 't'.repeat(40),
};

/** The error message loadVoiceEnv throws for `env` (fails the test when it does not throw). */
function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    loadVoiceEnv(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('voice service configuration', () => {
  it('takes a minimal environment and fills the defaults', () => {
    const env = loadVoiceEnv(base);
    expect(env).toMatchObject({
      VOICE_NODE_ID: hostname(),
      HTTP_PORT: 8080,
      SIP_BIND_ADDRESS: '0.0.0.0',
      SIP_PORT: 5060,
      RTP_PORT_MIN: 20000,
      RTP_PORT_MAX: 29999,
      // An IP advertised for SIP is the media address too.
      RTP_ADVERTISED_ADDRESS: '203.0.113.10',
      KAFKA_BROKERS: ['kafka-0:9092', 'kafka-1:9092'],
      DRAIN_TIMEOUT_SECONDS: 300,
      TRUNKS: [],
    });
    expect(env.MEDIA_WORKERS).toBeGreaterThanOrEqual(1);
  });

  it('lists every bad variable in one error, naming each', () => {
    const message = errorOf({ HTTP_PORT: 'eighty', SIP_CREDENTIAL_SECRET: 'short', MEDIA_WORKERS: '-1', REDIS_URL: 'http://redis:6379' });
    expect(message).toContain('invalid voice service configuration');
    for (const name of ['HTTP_PORT', 'SIP_CREDENTIAL_SECRET', 'SIP_NONCE_SECRET', 'MEDIA_WORKERS', 'REDIS_URL', 'KAFKA_BROKERS', 'TENANT_DIRECTORY_URL', 'INTERNAL_API_TOKEN']) {
      expect(message).toContain(`${name}: `);
    }
    expect(message).toContain('REDIS_URL: REDIS_URL must be a redis:// or rediss:// URL');
    expect(message).toContain('TENANT_DIRECTORY_URL: TENANT_DIRECTORY_URL is required');
    // A secret's value never appears in the error.
    expect(message).not.toContain('short');
  });

  it('parses TRUNKS into trunk configs with defaults and credentials', () => {
    const env = loadVoiceEnv({
      ...base,
      TRUNKS: JSON.stringify([
        { name: 'primary', address: 'sip.carrier.example', username: 'acme', password: 'pw' },
        { name: 'backup', address: '198.51.100.7', port: 5080, transport: 'tcp', domain: 'carrier.example' },
      ]),
    });
    expect(env.TRUNKS).toEqual([
      { name: 'primary', destination: { transport: 'udp', address: 'sip.carrier.example', port: 5060 }, credentials: { username: 'acme', password: 'pw' } },
      { name: 'backup', destination: { transport: 'tcp', address: '198.51.100.7', port: 5080 }, domain: 'carrier.example' },
    ]);
  });

  it('names the TRUNKS entry that is wrong, and what is wrong with it', () => {
    const message = errorOf({
      ...base,
      TRUNKS: JSON.stringify([
        { name: 'primary', address: 'sip.carrier.example' },
        { name: 'backup', address: 'sip.backup.example', port: 70000, transport: 'ws' },
        { address: 'bad host!' },
        { name: 'primary', address: '192.0.2.1' },
        { name: 'creds', address: '192.0.2.2', username: 'only-user' },
      ]),
    });
    expect(message).toContain('TRUNKS: entry 1 ("backup"): port must be 1-65535');
    expect(message).toContain('TRUNKS: entry 1 ("backup"): transport must be "udp" or "tcp"');
    expect(message).toContain('TRUNKS: entry 2: name must be a string');
    expect(message).toContain('TRUNKS: entry 2: address must be an IP address or a host name');
    expect(message).toContain('TRUNKS: entry 3 ("primary"): name "primary" is already used by entry 0');
    expect(message).toContain('TRUNKS: entry 4 ("creds"): username and password go together');
    expect(message).not.toContain('entry 0 ("primary"):');
  });

  it('refuses TRUNKS that is not JSON or not an array, without echoing it (it holds passwords)', () => {
    const notJson = errorOf({ ...base, TRUNKS: '[{"name":"p","password":"hunter2-secret"' });
    expect(notJson).toMatch(/TRUNKS: is not valid JSON/);
    expect(notJson).not.toContain('hunter2-secret');
    expect(errorOf({ ...base, TRUNKS: '{"name":"p"}' })).toContain('TRUNKS: must be a JSON array of trunks');
  });

  it('needs an advertised address peers can reach, and an IP for media', () => {
    const { SIP_ADVERTISED_ADDRESS: _advertised, ...withoutAdvertised } = base;
    expect(errorOf(withoutAdvertised)).toContain('SIP_ADVERTISED_ADDRESS: SIP_ADVERTISED_ADDRESS is required when SIP_BIND_ADDRESS is 0.0.0.0');
    // A specific bind address is advertised as it is.
    expect(loadVoiceEnv({ ...withoutAdvertised, SIP_BIND_ADDRESS: '10.0.0.5' })).toMatchObject({ SIP_ADVERTISED_ADDRESS: '10.0.0.5', RTP_ADVERTISED_ADDRESS: '10.0.0.5' });
    expect(errorOf({ ...base, SIP_ADVERTISED_ADDRESS: 'sip.parley.example' })).toContain('RTP_ADVERTISED_ADDRESS: RTP_ADVERTISED_ADDRESS is required when SIP_ADVERTISED_ADDRESS is a host name');
    expect(loadVoiceEnv({ ...base, SIP_ADVERTISED_ADDRESS: 'sip.parley.example', RTP_ADVERTISED_ADDRESS: '203.0.113.10' }).RTP_ADVERTISED_ADDRESS).toBe('203.0.113.10');
    expect(errorOf({ ...base, RTP_ADVERTISED_ADDRESS: 'media.parley.example' })).toContain('RTP_ADVERTISED_ADDRESS must be a specific IP address');
  });

  it('refuses port settings that cannot work together', () => {
    expect(errorOf({ ...base, RTP_PORT_MIN: '30000', RTP_PORT_MAX: '20000' })).toContain('RTP_PORT_MAX: RTP_PORT_MAX (20000) must be above RTP_PORT_MIN (30000)');
    expect(errorOf({ ...base, RTP_PORT_MIN: '20000', RTP_PORT_MAX: '20003', MEDIA_WORKERS: '4' })).toContain('too few for 4 media workers');
    expect(errorOf({ ...base, SIP_PORT: '20010' })).toContain('SIP_PORT: SIP_PORT (20010) lies inside the RTP range');
    expect(errorOf({ ...base, SIP_PORT: '8080' })).toContain('HTTP_PORT: HTTP_PORT and SIP_PORT are both 8080');
    expect(errorOf({ ...base, KAFKA_BROKERS: 'kafka-0' })).toContain('KAFKA_BROKERS: "kafka-0" is not host:port');
    expect(loadVoiceEnv({ ...base, MEDIA_WORKERS: '0' }).MEDIA_WORKERS).toBe(0);
  });
});
