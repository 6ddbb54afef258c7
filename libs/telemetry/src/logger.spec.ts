import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { createLogger, PinoNestLogger, type LogLevel } from './logger';
import { currentLogContext, withLogContext } from './log-context';
import { initTracing, shutdownTracing, withSpan } from './tracing';

type LogLine = Record<string, unknown>;

function capture(level: LogLevel = 'info'): { lines: () => LogLine[]; logger: ReturnType<typeof createLogger> } {
  const raw: string[] = [];
  const logger = createLogger({ service: 'svc-under-test', level, destination: { write: (line: string) => void raw.push(line) } });
  return { lines: () => raw.map((l) => JSON.parse(l) as LogLine), logger };
}

describe('createLogger', () => {
  beforeAll(() => {
    initTracing({ serviceName: 'svc-under-test', spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
  });
  afterAll(async () => {
    await shutdownTracing();
  });

  it('writes one JSON object per line with service, level name, ISO time and message', () => {
    const { logger, lines } = capture();
    logger.info({ queue: 'sales' }, 'queue opened');
    logger.debug('below the level');
    expect(lines()).toEqual([
      expect.objectContaining({ service: 'svc-under-test', level: 'info', msg: 'queue opened', queue: 'sales', time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) }),
    ]);
  });

  it('redacts passwords, tokens, secrets and authorization headers', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        password: 'p1',
        body: { password: 'p2', email: 'a@b.c' },
        authorization: 'Bearer abc',
        headers: { authorization: 'Bearer def', 'x-api-key': 'pk_live_x.y', accept: 'json' },
        refreshToken: 'rt_1',
        accessToken: 'jwt',
        sip: { secret: 's3cret' },
      },
      'sensitive',
    );
    const [line] = lines();
    expect(line).toMatchObject({
      password: '[REDACTED]',
      body: { password: '[REDACTED]', email: 'a@b.c' },
      authorization: '[REDACTED]',
      headers: { authorization: '[REDACTED]', 'x-api-key': '[REDACTED]', accept: 'json' },
      refreshToken: '[REDACTED]',
      accessToken: '[REDACTED]',
      sip: { secret: '[REDACTED]' },
    });
    for (const secret of ['p1', 'p2', 'Bearer abc', 'Bearer def', 'pk_live_x.y', 'rt_1', 'jwt', 's3cret']) {
      expect(JSON.stringify(line)).not.toContain(`"${secret}"`);
    }
  });

  it('adds tenantId and callId from the log context, across awaits, and nests contexts', async () => {
    const { logger, lines } = capture();
    await withLogContext({ tenantId: 't-1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await withLogContext({ callId: 'c-9' }, async () => {
        await Promise.resolve();
        logger.info('inner');
        expect(currentLogContext()).toEqual({ tenantId: 't-1', callId: 'c-9' });
      });
      logger.info('outer');
    });
    logger.info('outside');
    const [inner, outer, outside] = lines();
    expect(inner).toMatchObject({ msg: 'inner', tenantId: 't-1', callId: 'c-9' });
    expect(outer).toMatchObject({ msg: 'outer', tenantId: 't-1' });
    expect(outer).not.toHaveProperty('callId');
    expect(outside).not.toHaveProperty('tenantId');
  });

  it('adds traceId and spanId of the active span', async () => {
    const { logger, lines } = capture();
    const ids = await withSpan('work', {}, async (span) => {
      await Promise.resolve();
      logger.info('inside span');
      return span.spanContext();
    });
    logger.info('no span');
    const [inside, outside] = lines();
    expect(inside).toMatchObject({ traceId: ids.traceId, spanId: ids.spanId });
    expect(outside).not.toHaveProperty('traceId');
  });
});

describe('PinoNestLogger', () => {
  it("maps Nest's calls to pino levels, with the context and the error stack", () => {
    const { logger, lines } = capture('trace');
    const nest = new PinoNestLogger(logger);
    nest.log('Mapped {/things, GET} route', 'RouterExplorer');
    nest.error('Something failed', 'Error: boom\n    at x (y.ts:1:1)', 'ExceptionsHandler');
    nest.warn({ detail: 'object message' }, 'Scanner');
    nest.verbose('chatty');
    nest.error(new Error('thrown'));
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'Mapped {/things, GET} route', context: 'RouterExplorer' }),
      expect.objectContaining({ level: 'error', msg: 'Something failed', stack: expect.stringContaining('Error: boom'), context: 'ExceptionsHandler' }),
      expect.objectContaining({ level: 'warn', detail: 'object message', context: 'Scanner' }),
      expect.objectContaining({ level: 'trace', msg: 'chatty' }),
      expect.objectContaining({ level: 'error', msg: 'thrown', err: expect.objectContaining({ message: 'thrown', type: 'Error' }) }),
    ]);
  });
});
