// Helpers for the SIP integration tests: stacks on 127.0.0.1 with ephemeral ports, and waiting.
import {
  SipStack,
  TcpTransport,
  UdpTransport,
  WsTransport,
  type SipDestination,
  type SipStackOptions,
  type SipTransport,
  type SipTransportKind,
} from '../src';

export type Kinds = ReadonlyArray<'udp' | 'tcp' | 'ws'>;

export function transportsFor(kinds: Kinds): SipTransport[] {
  return kinds.map((kind) => {
    if (kind === 'udp') return new UdpTransport({ address: '127.0.0.1', port: 0 });
    if (kind === 'tcp') return new TcpTransport({ address: '127.0.0.1', port: 0 });
    return new WsTransport({ address: '127.0.0.1', port: 0 });
  });
}

export async function startStack(kinds: Kinds = ['udp', 'tcp', 'ws'], options: Partial<SipStackOptions> = {}): Promise<SipStack> {
  const stack = new SipStack({ transports: transportsFor(kinds), ...options });
  await stack.start();
  return stack;
}

/** The destination of a stack's transport of this kind. */
export function destinationOf(stack: SipStack, kind: SipTransportKind): SipDestination {
  const transport = stack.transport(kind);
  if (!transport) throw new Error(`no ${kind} transport`);
  return { transport: kind, address: transport.sentBy.address, port: transport.sentBy.port };
}

/** Resolves when `predicate` holds, polling every 5 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
