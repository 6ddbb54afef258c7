// Interop with the real sipp (Debian sip-tester): sipp's built-in UAC calls a tiny UAS built on
// our stack over UDP; a custom scenario withholds the first ACK to prove the 200 is re-sent.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dialog, SipStack, UdpTransport, type SipDestination, type SipFlow, type SipMessage } from '../src';
import { startStack } from './sip-test-kit';

/** A UDP transport that counts what it sends (`200 INVITE <call-id>`) and the requests it receives (`INVITE <call-id>`). */
class CountingUdpTransport extends UdpTransport {
  readonly sent = new Map<string, number>();
  readonly received = new Map<string, number>();

  override send(data: Buffer, target: SipFlow | SipDestination): Promise<SipFlow> {
    const text = data.toString('latin1');
    const status = /^SIP\/2\.0 (\d{3})/.exec(text)?.[1];
    const callId = /\r\nCall-ID: ([^\r]+)/i.exec(text)?.[1];
    const method = /\r\nCSeq: \d+ (\w+)/i.exec(text)?.[1];
    if (status && callId) bump(this.sent, `${status} ${method} ${callId}`);
    return super.send(data, target);
  }

  protected override receiveMessage(message: SipMessage, flow: SipFlow): void {
    if (message.kind === 'request') bump(this.received, `${message.method} ${message.callId}`);
    super.receiveMessage(message, flow);
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

async function countingStack(options: { tryingDelayMs?: number | false } = {}): Promise<{ stack: SipStack; transport: CountingUdpTransport }> {
  const transport = new CountingUdpTransport({ address: '127.0.0.1', port: 0 });
  const stack = new SipStack({ transports: [transport], ...options });
  await stack.start();
  return { stack, transport };
}

const countsOf = (map: Map<string, number>, prefix: string): number[] => [...map.entries()].filter(([key]) => key.startsWith(prefix)).map(([, n]) => n);

const SIPP = '/usr/bin/sipp';
const describeIfSipp = existsSync(SIPP) ? describe : describe.skip;

interface SippResult {
  code: number | null;
  output: string;
}

function runSipp(args: string[], cwd: string, timeoutMs = 60_000): Promise<SippResult> {
  return new Promise((resolve) => {
    const child = spawn(SIPP, [...args, '-nostdin', '-timeout', '50s', '-timeout_error', '-trace_err'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const ANSWER_SDP = 'v=0\r\no=parley 1 1 IN IP4 127.0.0.1\r\ns=Parley\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n';

/** The UAS under test: 200 + SDP to INVITE (after `answerDelayMs`), takes ACK, answers BYE. */
function tinyUas(stack: SipStack, answerDelayMs = 0) {
  const counts = { invites: 0, acks: 0, byes: 0, byesInDialog: 0 };
  const dialogs = new Map<string, Dialog>();
  const port = stack.transport('udp')!.sentBy.port;
  stack.onRequest((inbound) => {
    const { request } = inbound;
    if (request.method === 'INVITE') {
      counts.invites++;
      inbound.on('ack', () => counts.acks++);
      const answer = (): void => {
        const ok = inbound.respond(200, 'OK', { Contact: `<sip:uas@127.0.0.1:${port}>`, 'Content-Type': 'application/sdp' }, ANSWER_SDP);
        const dialog = Dialog.fromUasRequest(request, ok, { flow: inbound.flow });
        dialogs.set(dialog.id, dialog);
      };
      if (answerDelayMs > 0) setTimeout(answer, answerDelayMs);
      else answer();
    } else if (request.method === 'BYE') {
      counts.byes++;
      const dialog = [...dialogs.values()].find((d) => d.matches(request));
      if (dialog && dialog.receiveRequest(request) === 'ok') counts.byesInDialog++;
      inbound.respond(dialog ? 200 : 481);
    } else {
      inbound.respond(405, 'Method Not Allowed', { Allow: 'INVITE, ACK, BYE' });
    }
  });
  return counts;
}

/** sipp's default UAC, except that its ACK is "lost" for 1.7 s: the UAS must keep re-sending the 200 (T1, 2*T1). */
const LOST_ACK_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="UAC that loses its first ACK">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"></recv>
  <recv response="180" optional="true"></recv>
  <recv response="200" rtd="true"></recv>
  <!-- The ACK for this 200 is "lost": meanwhile the UAS re-sends the 200 (RFC 6026 Accepted). -->
  <pause milliseconds="1700"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="100"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"></recv>
</scenario>
`;

describeIfSipp('sipp interop (UDP)', () => {
  let dir: string;
  const stacks: SipStack[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-sipp-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.close()));
  });

  it('sipp -sn uac places 5 calls against our UAS and exits 0', async () => {
    const stack = await startStack(['udp']);
    stacks.push(stack);
    const counts = tinyUas(stack);
    const port = stack.transport('udp')!.sentBy.port;
    const result = await runSipp(['-sn', 'uac', `127.0.0.1:${port}`, '-m', '5', '-mi', '127.0.0.1', '-i', '127.0.0.1', '-r', '5'], dir);
    if (result.code !== 0) process.stderr.write(result.output.slice(-3000));
    expect(result.code).toBe(0);
    expect(counts).toEqual({ invites: 5, acks: 5, byes: 5, byesInDialog: 5 });
  }, 70_000);

  it("absorbs sipp's INVITE retransmissions while the UAS takes 1.2 s to answer", async () => {
    // No automatic 100 Trying, so sipp keeps retransmitting the INVITE until the 200.
    const { stack, transport } = await countingStack({ tryingDelayMs: false });
    stacks.push(stack);
    const counts = tinyUas(stack, 1200);
    const port = stack.transport('udp')!.sentBy.port;
    const result = await runSipp(['-sn', 'uac', `127.0.0.1:${port}`, '-m', '2', '-mi', '127.0.0.1', '-i', '127.0.0.1', '-r', '2'], dir);
    if (result.code !== 0) process.stderr.write(result.output.slice(-3000));
    expect(result.code).toBe(0);
    // sipp re-sent each INVITE (at 500 ms, then 1 s later); the TU saw each call once.
    expect(counts).toEqual({ invites: 2, acks: 2, byes: 2, byesInDialog: 2 });
    const invitesOnTheWire = countsOf(transport.received, 'INVITE ');
    expect(invitesOnTheWire).toHaveLength(2);
    for (const n of invitesOnTheWire) expect(n).toBeGreaterThanOrEqual(2);
  }, 70_000);

  it('re-sends the 200 until the ACK comes when sipp holds its ACK back', async () => {
    const { stack, transport } = await countingStack();
    stacks.push(stack);
    const counts = tinyUas(stack);
    const port = stack.transport('udp')!.sentBy.port;
    const scenario = join(dir, 'lost-ack.xml');
    writeFileSync(scenario, LOST_ACK_SCENARIO);
    const result = await runSipp(['-sf', scenario, `127.0.0.1:${port}`, '-m', '3', '-mi', '127.0.0.1', '-i', '127.0.0.1', '-r', '3'], dir);
    if (result.code !== 0) process.stderr.write(result.output.slice(-3000));
    expect(result.code).toBe(0);
    expect(counts).toEqual({ invites: 3, acks: 3, byes: 3, byesInDialog: 3 });
    // Each call's 200 to INVITE went out at 0 and again at T1 (500 ms; and 2*T1, 1.5 s) before the ACK at 1.7 s.
    const okCounts = countsOf(transport.sent, '200 INVITE ');
    expect(okCounts).toHaveLength(3);
    for (const n of okCounts) expect(n).toBeGreaterThanOrEqual(2);
    expect(countsOf(transport.sent, '200 BYE ')).toEqual([1, 1, 1]);
  }, 70_000);
});
