import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, request } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { type CrmAnswer } from '@parley/contracts';
import { isNonPublicAddress } from '@parley/http';
import { crmUrlProblem } from './crm-addresses';

export interface CrmClientOptions {
  timeoutMs: number;
  allowPrivateAddresses: boolean;
  maxResponseBytes: number;
  /** PEM of extra certificate authorities trusted besides Node's bundled ones. */
  extraCa?: string;
}

/** What the tenant's CRM is told about an offered call (its own customer's number included: it is the tenant's data). */
export interface CrmQuery {
  callId: string;
  queueId: string | null;
  callerNumber: string | null;
  dialledNumber: string | null;
  attributes: Record<string, string>;
  variables: Record<string, string>;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Asks a tenant's CRM about an offered call: one POST, https only, never a non-public address unless
 * allowed (checked on the address connected to, so a name re-resolving elsewhere cannot slip by),
 * no redirects, the whole exchange bounded by the timeout and the answer by a size. Never throws:
 * the screen pop goes out whatever the CRM does.
 */
export class CrmClient {
  private readonly agent: Agent;

  constructor(private readonly options: CrmClientOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 32, ...(options.extraCa !== undefined ? { ca: [...rootCertificates, options.extraCa] } : {}) });
  }

  async ask(webhookUrl: string, query: CrmQuery): Promise<CrmAnswer> {
    const problem = crmUrlProblem(webhookUrl, this.options.allowPrivateAddresses);
    if (problem !== null) return { status: 'error', detail: `the CRM webhook URL ${problem}` };
    const body = JSON.stringify(query);
    return new Promise<CrmAnswer>((resolve) => {
      let settled = false;
      const finish = (answer: CrmAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(answer);
      };
      const req = request(
        webhookUrl,
        {
          method: 'POST',
          agent: this.agent,
          lookup: this.lookup,
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'Parley-CTI/1',
            'x-parley-call-id': query.callId,
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.options.maxResponseBytes) finish({ status: 'error', detail: `the CRM answer is longer than ${this.options.maxResponseBytes} bytes` });
            else chunks.push(chunk);
          });
          res.on('error', (error) => finish({ status: 'error', detail: error.message }));
          res.on('end', () => {
            if (status < 200 || status > 299) return finish({ status: 'error', detail: `the CRM answered HTTP ${status}` });
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              finish({ status: 'ok', httpStatus: status, data: text.trim() === '' ? null : (JSON.parse(text) as unknown) });
            } catch {
              finish({ status: 'error', detail: 'the CRM answer is not JSON' });
            }
          });
        },
      );
      const timer = setTimeout(() => finish({ status: 'timeout', detail: `no answer within ${this.options.timeoutMs} ms` }), this.options.timeoutMs);
      req.on('error', (error) => finish({ status: 'error', detail: error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /** dns.lookup that refuses a name resolving to any non-public address (unless allowed). */
  private readonly lookup = (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void => {
    const literal = hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0) {
      if (!this.options.allowPrivateAddresses && isNonPublicAddress(literal)) return callback(Object.assign(new Error(`${literal} is not a public address`), { code: 'EADDRNOTPUBLIC' }), []);
      const family = isIP(literal);
      return options.all === true ? callback(null, [{ address: literal, family }]) : callback(null, literal, family);
    }
    dnsLookup(hostname, { all: true, family: typeof options.family === 'number' ? options.family : 0 }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = this.options.allowPrivateAddresses ? undefined : addresses.find((a) => isNonPublicAddress(a.address));
      if (refused !== undefined) return callback(Object.assign(new Error(`${hostname} resolves to ${refused.address}, which is not a public address`), { code: 'EADDRNOTPUBLIC' }), []);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      if (options.all === true) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}
