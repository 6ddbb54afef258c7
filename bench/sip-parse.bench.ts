// npm run bench:sip-parse — parse and serialise a typical INVITE with SDP (~900 bytes) with @parley/sip.
// "parse" includes reading what the transaction layer reads on every message (top Via and its
// branch, CSeq, Call-ID, From/To tags), not just splitting lines. Each figure is the best of
// BENCH_ROUNDS rounds of CPU time per operation (the machine is shared: the best round is the
// least disturbed one). Prints one JSON line.
//   BENCH_ITERATIONS per round (default 100000), BENCH_ROUNDS (default 7)
import { parseSipMessage, serializeSipMessage, type SipMessage } from '@parley/sip';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);

const sdp = [
  'v=0',
  'o=- 3912764829 3912764829 IN IP4 203.0.113.10',
  's=Parley',
  'c=IN IP4 203.0.113.10',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

const invite = Buffer.from(
  [
    'INVITE sip:+14155550123@pbx.example.com;user=phone SIP/2.0',
    'Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK776asdhds0a7f1c2;rport',
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKnashds8;received=198.51.100.7',
    'Max-Forwards: 69',
    'Record-Route: <sip:198.51.100.7;lr>',
    'From: "Alice Example" <sip:alice@example.com>;tag=1928301774',
    'To: <sip:+14155550123@pbx.example.com;user=phone>',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@203.0.113.10:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY',
    'Supported: replaces, timer, 100rel',
    'Session-Expires: 1800;refresher=uac',
    'Min-SE: 90',
    'User-Agent: Parley-Bench/1.0',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n'),
);

function touch(message: SipMessage): number {
  const via = message.topVia;
  return (via.branch?.length ?? 0) + message.cseq.seq + message.callId.length + (message.fromTag?.length ?? 0) + (message.toTag?.length ?? 0);
}

/** Best (lowest) CPU microseconds per call over `rounds` rounds of `n` calls. */
function time(fn: () => void, n: number, times = rounds): number {
  let best = Infinity;
  for (let r = 0; r < times; r++) {
    const started = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}

let sink = 0;
const parsed = parseSipMessage(invite);
const warm = Math.min(50_000, iterations);
time(() => (sink += touch(parseSipMessage(invite))), warm, 1);
time(() => (sink += serializeSipMessage(parsed).length), warm, 1);

const parseUs = time(() => (sink += touch(parseSipMessage(invite))), iterations);
const serializeUs = time(() => (sink += serializeSipMessage(parsed).length), iterations);
const roundtripUs = time(() => {
  const message = parseSipMessage(invite);
  sink += touch(message);
  sink += serializeSipMessage(message).length;
}, iterations);

if (!serializeSipMessage(parsed).equals(invite)) throw new Error('round trip is not byte-exact');

const round = (x: number): number => Math.round(x * 1000) / 1000;
process.stdout.write(
  `${JSON.stringify({
    bench: 'sip-parse',
    us_per_invite_parse: round(parseUs),
    us_per_invite_serialize: round(serializeUs),
    us_per_roundtrip: round(roundtripUs),
    iterations,
    rounds,
    invite_bytes: invite.length,
    checksum: sink > 0,
  })}\n`,
);
