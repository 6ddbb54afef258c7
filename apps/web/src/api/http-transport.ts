import { NetworkError } from './api-error';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Below the API root, e.g. `/auth/login`. */
  path: string;
  body?: unknown;
  accessToken?: string;
}

export interface HttpResponse {
  status: number;
  /** The parsed JSON body; the raw text when it is not JSON; null when empty. */
  body: unknown;
}

/** Sends one request to the API; rejects with NetworkError when no answer arrives. */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

export interface FetchTransportOptions {
  /** The API root, e.g. `/api/v1` (same origin) or `http://127.0.0.1:8080/api/v1`. */
  apiRoot: string;
  fetch: FetchLike;
  /** Abort a request that has had no answer after this long (default 15 s). */
  timeoutMs?: number;
}

/** The transport over `fetch` (JSON in, JSON out). */
export function fetchTransport(options: FetchTransportOptions): HttpTransport {
  const root = options.apiRoot.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;
  return async ({ method, path, body, accessToken }) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (accessToken) headers.authorization = `Bearer ${accessToken}`;
    let response: Awaited<ReturnType<FetchLike>>;
    let text: string;
    try {
      response = await options.fetch(`${root}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw new NetworkError(method, path, { cause });
    }
    return { status: response.status, body: parseBody(text) };
  };
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
