// Header names: compact forms (RFC 3261 §7.3.3 and later RFCs), canonical spellings, and which
// headers may carry a comma-separated list of values (RFC 3261 §7.3.1).

/** Compact form (one letter) → canonical name. */
const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/** Canonical spellings of the headers whose capitalisation is not plain Title-Case. */
const KNOWN_NAMES: readonly string[] = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info',
  'Event', 'Expires', 'From', 'History-Info', 'Identity', 'Identity-Info', 'In-Reply-To', 'Max-Forwards',
  'MIME-Version', 'Min-Expires', 'Min-SE', 'Organization', 'P-Asserted-Identity', 'P-Preferred-Identity',
  'P-Associated-URI', 'Path', 'Priority', 'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization',
  'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-To', 'Referred-By', 'Reject-Contact',
  'Replaces', 'Reply-To', 'Request-Disposition', 'Require', 'Retry-After', 'Route', 'RSeq',
  'Security-Client', 'Security-Server', 'Security-Verify', 'Server', 'Service-Route', 'Session-Expires',
  'SIP-ETag', 'SIP-If-Match', 'Subject', 'Subscription-State', 'Supported', 'Timestamp', 'To',
  'Unsupported', 'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
];

/** Headers whose value is a comma-separated list (several may share one line). */
const LIST_HEADERS: readonly string[] = [
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'alert-info', 'allow', 'allow-events',
  'call-info', 'contact', 'content-encoding', 'content-language', 'error-info', 'history-info',
  'in-reply-to', 'p-asserted-identity', 'p-associated-uri', 'p-preferred-identity', 'path', 'proxy-require',
  'reason', 'record-route', 'reject-contact', 'request-disposition', 'require', 'route', 'security-client',
  'security-server', 'security-verify', 'service-route', 'supported', 'unsupported', 'via', 'warning',
];

/** lower-case spelling (long or compact) → [name to write, lower-case canonical key]. */
const NAME_TABLE = new Map<string, readonly [string, string]>();
for (const name of KNOWN_NAMES) NAME_TABLE.set(name.toLowerCase(), [name, name.toLowerCase()]);
for (const [short, long] of Object.entries(COMPACT_FORMS)) NAME_TABLE.set(short, [long, long.toLowerCase()]);

const LIST_SET = new Set(LIST_HEADERS);

/** The lower-case canonical key of a header name (compact forms expanded): what lookups compare. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  const known = NAME_TABLE.get(lower);
  return known ? known[1] : lower;
}

/**
 * The name to write for a header: the canonical name for a compact form (`i` → `Call-ID`) or a
 * known name written in another case (`call-id` → `Call-ID`); unknown names are kept as written.
 */
export function canonicalHeaderName(name: string): string {
  const known = NAME_TABLE.get(name.toLowerCase());
  return known ? known[0] : name;
}

/** Internal: both at once, for the parser's hot loop. Compact forms are expanded; long forms keep their spelling. */
export function resolveHeaderName(name: string): readonly [string, string] {
  const lower = name.toLowerCase();
  const known = NAME_TABLE.get(lower);
  if (known === undefined) return [name, lower];
  return name.length === 1 ? known : [name, known[1]];
}

/** A header spelling the parser recognises without allocating: what to write and the lookup key. */
interface KnownSpelling {
  readonly written: string;
  readonly name: string;
  readonly key: string;
}

/** Spellings bucketed by (first letter, length): canonical names and compact forms (both cases). */
const BUCKETS: KnownSpelling[][] = Array.from({ length: 32 * 32 }, () => []);
function bucketOf(firstChar: number, length: number): number {
  return ((firstChar & 31) << 5) | (length & 31);
}
function addSpelling(written: string, name: string, key: string): void {
  BUCKETS[bucketOf(written.charCodeAt(0), written.length)]!.push({ written, name, key });
}
for (const name of KNOWN_NAMES) addSpelling(name, name, name.toLowerCase());
for (const [short, long] of Object.entries(COMPACT_FORMS)) {
  addSpelling(short, long, long.toLowerCase());
  addSpelling(short.toUpperCase(), long, long.toLowerCase());
}

/**
 * Internal, for the parser's hot loop: the known header written exactly at `text[pos, pos + length)`
 * (canonical spelling or a compact form), without slicing the text.
 */
export function matchKnownHeaderName(text: string, pos: number, length: number): KnownSpelling | undefined {
  const candidates = BUCKETS[bucketOf(text.charCodeAt(pos), length)]!;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (candidate.written.length === length && text.startsWith(candidate.written, pos)) return candidate;
  }
  return undefined;
}

/** True for headers that may carry several comma-separated values (Via, Contact, Route, Allow…). */
export function isListHeader(key: string): boolean {
  return LIST_SET.has(key);
}

/** The compact form of a canonical header name, if it has one. */
export function compactHeaderName(name: string): string | undefined {
  const key = headerKey(name);
  for (const [short, long] of Object.entries(COMPACT_FORMS)) if (long.toLowerCase() === key) return short;
  return undefined;
}
