import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, request } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { isNonPublicAddress } from '@parley/http';
import { type ExecutorEffect, type JsonValue, type WebhookResult } from '../flows/flow-executor.types';

export type WebhookRequest = Extract<ExecutorEffect, { kind: 'webhook-request' }>;

export interface WebhookClientOptions {
  /** Let webhooks reach loopback, private and other non-public addresses (tests, on-premises). */
  allowPrivateAddresses: boolean;
  /** Longest answer read; a longer one is `too-large`. */
  maxResponseBytes: number;
  /** PEM of extra certificate authorities, trusted besides Node's bundled ones. */
  extraCa?: string;
}

class WebhookFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'too-large',
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Calls tenants' data-dip webhooks: https only, never a non-public address unless allowed (checked
 * on the address actually connected to, so a name that re-resolves cannot slip through), redirects
 * not followed, the whole exchange bounded by the node's timeout and the answer by a size limit.
 * Never throws: every failure is a `WebhookResult` the flow's failure branch can take.
 */
export class WebhookClient {
  private readonly agent: Agent;

  constructor(private readonly options: WebhookClientOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, ...(options.extraCa !== undefined ? { ca: [...rootCertificates, options.extraCa] } : {}) });
  }

  async call(webhook: WebhookRequest, abort?: AbortSignal): Promise<WebhookResult> {
    let url: URL;
    try {
      url = new URL(webhook.url);
    } catch {
      return { ok: false, error: 'network', detail: `"${webhook.url}" is not a URL` };
    }
    if (url.protocol !== 'https:') return { ok: false, error: 'network', detail: `only https:// webhooks are called, not ${url.protocol}//` };
    if (url.username !== '' || url.password !== '') return { ok: false, error: 'network', detail: 'webhook URLs must not carry credentials' };
    // A literal address is connected to without a lookup: check it here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0 && !this.options.allowPrivateAddresses && isNonPublicAddress(literal)) {
      return { ok: false, error: 'network', detail: `${literal} is not a public address: webhooks must be reachable on the internet` };
    }
    const { body, headers } = this.encode(webhook, url);
    try {
      return await this.exchange(url, webhook, body, headers, abort);
    } catch (error) {
      if (error instanceof WebhookFailure) {
        return error.kind === 'too-large'
          ? { ok: false, error: 'too-large', ...(error.status !== undefined ? { status: error.status } : {}), detail: error.message }
          : { ok: false, error: error.kind, detail: error.message };
      }
      return { ok: false, error: 'network', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private encode(webhook: WebhookRequest, url: URL): { body: string | undefined; headers: Record<string, string> } {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'Parley-IVR/1',
      'x-parley-call-id': webhook.body.callId,
      // The same data dip retried after a crash carries the same id: the tenant can deduplicate.
      'x-parley-request-id': webhook.requestId,
    };
    if (webhook.method === 'GET') {
      const { variables, ...fields } = webhook.body;
      for (const [name, value] of Object.entries(fields)) url.searchParams.set(name, String(value));
      for (const [name, value] of Object.entries(variables)) url.searchParams.set(`variables.${name}`, value);
      return { body: undefined, headers };
    }
    const body = JSON.stringify(webhook.body);
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
    return { body, headers };
  }

  private exchange(url: URL, webhook: WebhookRequest, body: string | undefined, headers: Record<string, string>, abort: AbortSignal | undefined): Promise<WebhookResult> {
    return new Promise<WebhookResult>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: { result?: WebhookResult; error?: unknown }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        if (outcome.error !== undefined) reject(outcome.error);
        else resolve(outcome.result as WebhookResult);
      };
      const req = request(url, { method: webhook.method, headers, agent: this.agent, lookup: this.lookup }, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.options.maxResponseBytes) {
            req.destroy();
            finish({ error: new WebhookFailure('too-large', `the answer is longer than ${this.options.maxResponseBytes} bytes`, status) });
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => finish({ error }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: JsonValue | undefined;
          try {
            parsed = text.trim() === '' ? undefined : (JSON.parse(text) as JsonValue);
          } catch {
            parsed = undefined;
          }
          if (status >= 200 && status <= 299 && parsed === undefined) {
            finish({ result: { ok: false, error: 'invalid-json', status, detail: text.trim() === '' ? 'the answer is empty' : 'the answer is not JSON' } });
            return;
          }
          finish({ result: { ok: true, status, body: parsed ?? null } });
        });
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish({ error: new WebhookFailure('timeout', `no answer within ${webhook.timeoutMs} ms`) });
      }, webhook.timeoutMs);
      const onAbort = (): void => {
        req.destroy();
        finish({ error: new WebhookFailure('network', 'the ivr instance is shutting down') });
      };
      if (abort?.aborted === true) onAbort();
      abort?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => finish({ error }));
      req.end(body);
    });
  }

  /** dns.lookup that refuses a name resolving to any non-public address (unless allowed). */
  private readonly lookup = (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, family: typeof options.family === 'number' ? options.family : 0 }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      if (!this.options.allowPrivateAddresses) {
        const refused = addresses.find((a) => isNonPublicAddress(a.address));
        if (refused !== undefined) {
          return callback(Object.assign(new Error(`${hostname} resolves to ${refused.address}, which is not a public address: webhooks must be reachable on the internet`), { code: 'EADDRNOTPUBLIC' }), []);
        }
      }
      if (options.all === true) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
