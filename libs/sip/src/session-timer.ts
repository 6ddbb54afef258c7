// Session timers (RFC 4028): Session-Expires / Min-SE negotiation on both sides, refresher
// choice, 422 handling, and a timer that asks for a refresh at half the interval and reports
// expiry (BYE time) when no refresh came.
import { parseParams, parseUnsigned } from './sip-header-values';
import type { SipRequest, SipResponse } from './sip-message';
import type { SipScheduler, SipTimerHandle } from './sip-scheduler';

export type Refresher = 'uac' | 'uas';

/** RFC 4028 §4: Min-SE can never be below 90 s. */
export const MINIMUM_SESSION_EXPIRES = 90;

export interface SessionTimerPolicy {
  /** Interval to ask for / grant (default 1800 s). */
  sessionExpires?: number;
  /** The smallest interval we accept (default and floor 90 s). */
  minSE?: number;
}

export interface NegotiatedSessionTimer {
  /** Seconds. */
  interval: number;
  refresher: Refresher;
}

/** Session-Expires: `1800;refresher=uac` → { interval, refresher? }. */
export function parseSessionExpires(value: string): { interval: number; refresher?: Refresher } {
  const semi = value.indexOf(';');
  const interval = parseUnsigned(semi === -1 ? value : value.slice(0, semi), 'Session-Expires');
  const params = semi === -1 ? {} : parseParams(value, semi, 'Session-Expires');
  const refresher = params.refresher?.toLowerCase();
  return refresher === 'uac' || refresher === 'uas' ? { interval, refresher } : { interval };
}

function minSEOf(message: SipRequest | SipResponse): number | undefined {
  const value = message.headers.get('min-se');
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  return parseUnsigned(semi === -1 ? value : value.slice(0, semi), 'Min-SE');
}

function supportsTimer(message: SipRequest | SipResponse): boolean {
  return message.optionTags('Supported').includes('timer') || message.optionTags('Require').includes('timer');
}

/** Headers a UAC adds to an INVITE (or UPDATE) to ask for session timers (RFC 4028 §7.1). */
export function sessionTimerRequestHeaders(policy: SessionTimerPolicy & { refresher?: Refresher } = {}): Array<[string, string]> {
  const minSE = Math.max(MINIMUM_SESSION_EXPIRES, policy.minSE ?? MINIMUM_SESSION_EXPIRES);
  const interval = Math.max(minSE, policy.sessionExpires ?? 1800);
  return [
    ['Supported', 'timer'],
    ['Session-Expires', policy.refresher ? `${interval};refresher=${policy.refresher}` : String(interval)],
    ['Min-SE', String(minSE)],
  ];
}

export type UasSessionTimerDecision =
  /** Add `headers` to the 2xx; `timer` is undefined when no session timer applies. */
  | { ok: true; headers: Array<[string, string]>; timer?: NegotiatedSessionTimer }
  /** Answer `422 Session Interval Too Small` with `headers` (Min-SE). */
  | { ok: false; status: 422; headers: Array<[string, string]> };

/**
 * The UAS side of RFC 4028 §9 for an incoming INVITE / UPDATE: refuses an interval below our
 * Min-SE with 422; otherwise grants the asked interval (or, when the UAC asked none, our own),
 * keeps the UAC's refresher choice or picks one (the UAC when it supports timers, else us), and
 * returns the Session-Expires (+ Require: timer) for the 2xx.
 */
export function negotiateSessionTimerAsUas(request: SipRequest, policy: SessionTimerPolicy = {}): UasSessionTimerDecision {
  const ourMin = Math.max(MINIMUM_SESSION_EXPIRES, policy.minSE ?? MINIMUM_SESSION_EXPIRES);
  const raw = request.headers.get('session-expires');
  const uacSupports = supportsTimer(request);
  if (raw === undefined) {
    if (policy.sessionExpires === undefined) return { ok: true, headers: [] };
    // The UAC did not ask: we may still run a timer (§9), refreshed by the UAC if it can, else by us.
    const interval = Math.max(ourMin, policy.sessionExpires);
    const refresher: Refresher = uacSupports ? 'uac' : 'uas';
    const headers: Array<[string, string]> = [['Session-Expires', `${interval};refresher=${refresher}`]];
    if (uacSupports) headers.push(['Require', 'timer']);
    return { ok: true, headers, timer: { interval, refresher } };
  }
  const asked = parseSessionExpires(raw);
  if (asked.interval < ourMin) return { ok: false, status: 422, headers: [['Min-SE', String(ourMin)]] };
  // We may shorten the interval, never below the UAC's Min-SE (§9); we keep what was asked, capped by our policy.
  const theirMin = minSEOf(request) ?? MINIMUM_SESSION_EXPIRES;
  const interval = policy.sessionExpires !== undefined ? Math.max(theirMin, ourMin, Math.min(asked.interval, policy.sessionExpires)) : asked.interval;
  const refresher: Refresher = asked.refresher ?? (uacSupports ? 'uac' : 'uas');
  const headers: Array<[string, string]> = [['Session-Expires', `${interval};refresher=${refresher}`]];
  if (uacSupports) headers.push(['Require', 'timer']);
  return { ok: true, headers, timer: { interval, refresher } };
}

/**
 * The UAC side (RFC 4028 §7.2): the session timer the 2xx grants, if any. A 2xx without
 * Session-Expires means the UAS does not do timers: none applies unless we asked for one, in
 * which case we refresh (`refresher: 'uac'`).
 */
export function sessionTimerFromResponse(response: SipResponse, asked?: { interval: number }): NegotiatedSessionTimer | undefined {
  const raw = response.headers.get('session-expires');
  if (raw === undefined) return asked ? { interval: asked.interval, refresher: 'uac' } : undefined;
  const granted = parseSessionExpires(raw);
  return { interval: granted.interval, refresher: granted.refresher ?? 'uac' };
}

/**
 * After a `422 Session Interval Too Small`: the Session-Expires / Min-SE to retry with (RFC 4028
 * §7.4): both raised to the 422's Min-SE. Undefined when the 422 carries no usable Min-SE.
 */
export function retryAfter422(response: SipResponse, previous: SessionTimerPolicy = {}): Array<[string, string]> | undefined {
  let required: number | undefined;
  try {
    required = minSEOf(response);
  } catch {
    return undefined;
  }
  if (required === undefined) return undefined;
  const minSE = Math.max(required, previous.minSE ?? MINIMUM_SESSION_EXPIRES);
  return sessionTimerRequestHeaders({ sessionExpires: Math.max(minSE, previous.sessionExpires ?? 0), minSE });
}

export interface SessionTimerOptions {
  scheduler: SipScheduler;
  /** Called at half the interval when we are the refresher: send a re-INVITE or UPDATE, then call `refreshed()`. */
  onRefresh: () => void;
  /** Called when the session expired without a refresh: send BYE (RFC 4028 §10). */
  onExpired: () => void;
}

/**
 * Watches one session: when we refresh, asks for a refresh at interval/2; either way, declares
 * expiry at interval − min(32, interval/3) after the last refresh (RFC 4028 §10).
 */
export class SessionTimer {
  private refreshTimer?: SipTimerHandle;
  private expiryTimer?: SipTimerHandle;
  private current?: { interval: number; weRefresh: boolean };
  private stopped = false;

  constructor(private readonly options: SessionTimerOptions) {}

  /** Starts (or restarts, after a successful refresh) with the negotiated interval. `localRole` is our side of the dialog. */
  start(negotiated: NegotiatedSessionTimer, localRole: Refresher): void {
    this.clear();
    this.stopped = false;
    const weRefresh = negotiated.refresher === localRole;
    this.current = { interval: negotiated.interval, weRefresh };
    const ms = negotiated.interval * 1000;
    if (weRefresh) this.refreshTimer = this.options.scheduler.setTimer(ms / 2, () => !this.stopped && this.options.onRefresh());
    const expiry = ms - Math.min(32_000, ms / 3);
    this.expiryTimer = this.options.scheduler.setTimer(expiry, () => {
      if (this.stopped) return;
      this.stopped = true;
      this.clear();
      this.options.onExpired();
    });
  }

  /** A refresh succeeded (ours or the peer's): restart with the new negotiation (or the same). */
  refreshed(negotiated?: NegotiatedSessionTimer, localRole?: Refresher): void {
    if (!this.current || this.stopped) return;
    if (negotiated && localRole) this.start(negotiated, localRole);
    else this.start({ interval: this.current.interval, refresher: 'uac' }, this.current.weRefresh ? 'uac' : 'uas');
  }

  get interval(): number | undefined {
    return this.current?.interval;
  }

  get weRefresh(): boolean {
    return this.current?.weRefresh ?? false;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    this.refreshTimer?.cancel();
    this.expiryTimer?.cancel();
    this.refreshTimer = undefined;
    this.expiryTimer = undefined;
  }
}
