import { z } from 'zod';
import { ApiError, UnexpectedResponseError } from './api-error';
import { type HttpMethod, type HttpRequest, type HttpTransport } from './http-transport';

/** A request body the contract's schema refuses; the request was not sent. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(
    readonly path: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super(`${path}: invalid request body (${issues.map((i) => `${i.path.join('.') || '(body)'} ${i.message}`).join('; ')})`);
  }
}

/** Checks a request body with the contract's schema before it is sent, and returns it as the schema normalizes it. */
export function validatedBody<S extends z.ZodType>(path: string, schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidRequestError(path, parsed.error.issues);
  return parsed.data;
}

/**
 * Sends one request and checks the answer: an error status rejects with ApiError (status, message,
 * fields), another unexpected status or a body the schema refuses with UnexpectedResponseError.
 */
export async function callApi<T>(transport: HttpTransport, request: HttpRequest, expectedStatus: number, schema: z.ZodType<T>): Promise<T>;
export async function callApi(transport: HttpTransport, request: HttpRequest, expectedStatus: number, schema: null): Promise<void>;
export async function callApi<T>(transport: HttpTransport, request: HttpRequest, expectedStatus: number, schema: z.ZodType<T> | null): Promise<T | void> {
  const response = await transport(request);
  if (response.status >= 400) throw ApiError.fromResponse(response.status, response.body);
  if (response.status !== expectedStatus) {
    throw new UnexpectedResponseError(request.path, [`status ${response.status}, expected ${expectedStatus}`]);
  }
  if (!schema) return;
  const parsed = schema.safeParse(response.body);
  if (!parsed.success) throw new UnexpectedResponseError(request.path, parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'} ${i.message}`));
  return parsed.data;
}

/** Runs a call with a valid access token, refreshing and retrying once on 401 (`SessionManager.withAccess`). */
export type WithAccess = <T>(call: (accessToken: string) => Promise<T>) => Promise<T>;

/** A path segment from an id, escaped (ids come from users and answers, never trusted as path syntax). */
export const seg = (id: string | number): string => encodeURIComponent(String(id));

/** The signed-in user's calls to one service's API: every request carries the session's access token. */
export class ServiceApi {
  constructor(
    private readonly transport: HttpTransport,
    private readonly withAccess: WithAccess,
  ) {}

  call<T>(method: HttpMethod, path: string, expectedStatus: number, schema: z.ZodType<T>, body?: unknown): Promise<T>;
  call(method: HttpMethod, path: string, expectedStatus: number, schema: null, body?: unknown): Promise<void>;
  call<T>(method: HttpMethod, path: string, expectedStatus: number, schema: z.ZodType<T> | null, body?: unknown): Promise<T | void> {
    const request = (accessToken: string): HttpRequest => ({ method, path, accessToken, ...(body !== undefined ? { body } : {}) });
    if (schema) return this.withAccess((token) => callApi(this.transport, request(token), expectedStatus, schema));
    return this.withAccess((token) => callApi(this.transport, request(token), expectedStatus, null));
  }
}
