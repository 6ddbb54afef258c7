// jssip in the browser for end-to-end tests (bundled by `bundleJssip` from @parley/testing), and a
// minimal SIP-over-WebSocket peer (RFC 7118) that answers one INVITE with an SDP answer from a
// WebRtcLeg. The peer is a test double, not a SIP stack.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A page that loads the bundle and places one call through it when `placeCall` is evaluated. */
export const JSSIP_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><script src="/jssip.js"></script></head><body>
<script>
  window.jssipReady = typeof JsSIP === 'object' && typeof JsSIP.UA === 'function';
  window.phone = {
    version: () => JsSIP.version,
    placeCall(wsUrl, target) {
      return new Promise((resolve, reject) => {
        const ua = new JsSIP.UA({
          sockets: [new JsSIP.WebSocketInterface(wsUrl)],
          uri: 'sip:agent@parley.test',
          register: false,
          session_timers: false,
        });
        ua.on('connected', () => {
          const session = ua.call(target, {
            mediaConstraints: { audio: true, video: false },
            pcConfig: { iceServers: [] },
            eventHandlers: {
              // Emitted inside ua.call(): a session.on('peerconnection') added afterwards is too late.
              peerconnection: (e) => {
                e.peerconnection.addEventListener('track', (event) => {
                  const audio = new Audio();
                  audio.srcObject = new MediaStream([event.track]);
                  audio.play().catch(() => {});
                });
              },
              confirmed: () => resolve(true),
              failed: (e) => reject(new Error('call failed: ' + e.cause)),
            },
          });
          window.session = session;
        });
        ua.start();
        window.ua = ua;
      });
    },
    sendDtmf(tone) {
      window.session.sendDTMF(tone, { transportType: 'RFC2833', duration: 100 });
    },
    async inbound() {
      const out = [];
      (await window.session.connection.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') out.push({ packetsReceived: s.packetsReceived, totalAudioEnergy: s.totalAudioEnergy });
      });
      return out;
    },
    hangup() {
      window.session.terminate();
    },
    stop() {
      window.ua.stop();
    },
  };
</script>
</body></html>`;

export interface SipRequestSeen {
  method: string;
  body: string;
}

function headerValue(message: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(message.split('\r\n\r\n')[0]!);
  return match?.[1]?.trim();
}

/**
 * Answers the first INVITE with `answer(offerSdp)` as a 200 OK, and any BYE with 200 OK. Records
 * every request it sees.
 */
export class SipWebSocketPeer {
  readonly requests: SipRequestSeen[] = [];

  private constructor(
    private readonly server: WebSocketServer,
    private readonly answer: (offerSdp: string) => Promise<string>,
  ) {
    server.on('connection', (socket) => socket.on('message', (data) => void this.onMessage(socket, data.toString())));
  }

  static async start(answer: (offerSdp: string) => Promise<string>): Promise<SipWebSocketPeer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false) });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new SipWebSocketPeer(server, answer);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onMessage(socket: WebSocket, message: string): Promise<void> {
    const requestLine = message.slice(0, message.indexOf('\r\n'));
    if (requestLine.startsWith('SIP/2.0')) return;
    const method = requestLine.split(' ')[0]!;
    const body = message.includes('\r\n\r\n') ? message.slice(message.indexOf('\r\n\r\n') + 4) : '';
    this.requests.push({ method, body });
    if (method === 'ACK') return;
    if (method === 'INVITE') {
      socket.send(this.response(message, 100, 'Trying'));
      socket.send(this.response(message, 200, 'OK', await this.answer(body)));
    } else {
      socket.send(this.response(message, 200, 'OK'));
    }
  }

  private response(request: string, status: number, reason: string, sdp?: string): string {
    const to = headerValue(request, 'To') ?? '';
    const lines = [
      `SIP/2.0 ${status} ${reason}`,
      `Via: ${headerValue(request, 'Via')}`,
      `From: ${headerValue(request, 'From')}`,
      `To: ${status > 100 && !/;tag=/.test(to) ? `${to};tag=parley-test` : to}`,
      `Call-ID: ${headerValue(request, 'Call-ID')}`,
      `CSeq: ${headerValue(request, 'CSeq')}`,
      'Contact: <sip:media@127.0.0.1;transport=ws>',
      'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS',
    ];
    if (sdp) lines.push('Content-Type: application/sdp');
    lines.push(`Content-Length: ${Buffer.byteLength(sdp ?? '', 'utf8')}`, '', sdp ?? '');
    return lines.join('\r\n');
  }
}
