import { hostname } from 'node:os';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import { currentLogContext } from './log-context';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface CreateLoggerOptions {
  /** Service name, on every line as `service`. */
  service: string;
  /** Default `info` (or `LOG_LEVEL`). */
  level?: LogLevel;
  /** Where JSON lines go; default stdout. Tests pass a capture stream. */
  destination?: pino.DestinationStream;
}

/**
 * Paths whose values never reach a log line (pino `redact`, replaced by "[REDACTED]").
 * `*.x` covers one level of nesting, e.g. `{ body: { password } }`.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'refreshToken',
  '*.refreshToken',
  'accessToken',
  '*.accessToken',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
];

/**
 * Correlation fields of the running code: `tenantId`/`callId` from the log context, and
 * `traceId`/`spanId` from the active OpenTelemetry span. Fields given at the call site win.
 */
function correlationMixin(): Record<string, string> {
  const out: Record<string, string> = {};
  const { tenantId, callId } = currentLogContext();
  if (tenantId !== undefined) out.tenantId = tenantId;
  if (callId !== undefined) out.callId = callId;
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (spanContext && isSpanContextValid(spanContext)) {
    out.traceId = spanContext.traceId;
    out.spanId = spanContext.spanId;
  }
  return out;
}

/** A pino logger writing one JSON object per line, with `service`, correlation fields and redaction. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const level = options.level ?? parseLevel(process.env.LOG_LEVEL) ?? 'info';
  const config: pino.LoggerOptions = {
    level,
    base: { service: options.service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: correlationMixin,
    redact: { paths: [...REDACTED_PATHS], censor: '[REDACTED]' },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

function parseLevel(value: string | undefined): LogLevel | undefined {
  const levels: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  return value !== undefined && levels.includes(value) ? (value as LogLevel) : undefined;
}

type PinoMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest `LoggerService` over pino, so Nest's own lines are JSON too:
 * `NestFactory.create(AppModule, { logger: new PinoNestLogger(logger) })`.
 * Nest passes the context (e.g. `RouterExplorer`) as the last string argument and, for errors,
 * a stack before it.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }
  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }
  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }
  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }
  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }
  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  private write(method: PinoMethod, message: unknown, params: unknown[]): void {
    const rest = params.filter((p) => p !== undefined);
    const fields: Record<string, unknown> = {};
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields.context = rest.pop();
    const extras: unknown[] = [];
    for (const extra of rest) {
      if (extra instanceof Error) fields.err = extra;
      else if (typeof extra === 'string' && method === 'error') fields.stack = extra;
      else extras.push(extra);
    }
    if (extras.length > 0) fields.extra = extras;
    if (message instanceof Error) {
      this.logger[method]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[method]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.logger[method](fields, String(message));
    }
  }
}
