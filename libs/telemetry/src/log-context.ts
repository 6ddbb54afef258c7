import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written inside `withLogContext` carries. */
export interface LogContext {
  tenantId?: string;
  callId?: string;
}

const storage = new AsyncLocalStorage<Readonly<LogContext>>();

function definedOnly(ctx: LogContext): LogContext {
  const out: LogContext = {};
  if (ctx.tenantId !== undefined) out.tenantId = ctx.tenantId;
  if (ctx.callId !== undefined) out.callId = ctx.callId;
  return out;
}

/**
 * Runs `fn` with `ctx` added to the current log context (inner values win; undefined values keep
 * the outer ones). Everything `fn` starts, sync or async, logs with these fields.
 */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return storage.run(Object.freeze({ ...storage.getStore(), ...definedOnly(ctx) }), fn);
}

/** The log context of the running code, `{}` outside any `withLogContext`. */
export function currentLogContext(): Readonly<LogContext> {
  return storage.getStore() ?? {};
}

/** Runs `fn` with exactly `ctx` (no inheritance): for code that runs on behalf of another request. */
export function replaceLogContext<T>(ctx: LogContext, fn: () => T): T {
  return storage.run(Object.freeze(definedOnly(ctx)), fn);
}
