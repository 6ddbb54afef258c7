import { createRequest, createResponse } from './sip-builders';
import { SipResponse } from './sip-message';
import { ManualScheduler } from './sip-scheduler';
import { negotiateSessionTimerAsUas, parseSessionExpires, retryAfter422, sessionTimerFromResponse, sessionTimerRequestHeaders, SessionTimer } from './session-timer';

function invite(headers: Array<[string, string]>) {
  return createRequest({ method: 'INVITE', uri: 'sip:bob@b', from: 'sip:alice@a', to: 'sip:bob@b', headers });
}

describe('RFC 4028 negotiation', () => {
  it('parses Session-Expires with and without refresher', () => {
    expect(parseSessionExpires('1800;refresher=uac')).toEqual({ interval: 1800, refresher: 'uac' });
    expect(parseSessionExpires(' 90 ')).toEqual({ interval: 90 });
    expect(() => parseSessionExpires('soon')).toThrow();
  });

  it('the UAC asks with Supported: timer, Session-Expires and Min-SE (never below 90)', () => {
    expect(sessionTimerRequestHeaders({ sessionExpires: 600, minSE: 30, refresher: 'uac' })).toEqual([
      ['Supported', 'timer'],
      ['Session-Expires', '600;refresher=uac'],
      ['Min-SE', '90'],
    ]);
  });

  it('the UAS answers 422 with its Min-SE when the interval is too small', () => {
    expect(negotiateSessionTimerAsUas(invite([['Supported', 'timer'], ['Session-Expires', '60']]), { minSE: 120 })).toEqual({ ok: false, status: 422, headers: [['Min-SE', '120']] });
  });

  it("the UAS keeps the UAC's refresher and requires timer when the UAC supports it", () => {
    const decision = negotiateSessionTimerAsUas(invite([['Supported', 'timer'], ['Session-Expires', '1800;refresher=uas'], ['Min-SE', '90']]));
    expect(decision).toEqual({ ok: true, headers: [['Session-Expires', '1800;refresher=uas'], ['Require', 'timer']], timer: { interval: 1800, refresher: 'uas' } });
  });

  it('the UAS picks the UAC as refresher when unset and supported, itself when the UAC lacks timer support', () => {
    const supported = negotiateSessionTimerAsUas(invite([['Supported', 'timer'], ['Session-Expires', '900']]));
    expect(supported.ok && supported.timer).toEqual({ interval: 900, refresher: 'uac' });
    const unsupported = negotiateSessionTimerAsUas(invite([['Session-Expires', '900']]));
    expect(unsupported).toEqual({ ok: true, headers: [['Session-Expires', '900;refresher=uas']], timer: { interval: 900, refresher: 'uas' } });
  });

  it('the UAS may impose its own timer when the UAC asked none, and may shorten but not below Min-SE', () => {
    expect(negotiateSessionTimerAsUas(invite([]), {})).toEqual({ ok: true, headers: [] });
    expect(negotiateSessionTimerAsUas(invite([]), { sessionExpires: 600 })).toEqual({ ok: true, headers: [['Session-Expires', '600;refresher=uas']], timer: { interval: 600, refresher: 'uas' } });
    const shortened = negotiateSessionTimerAsUas(invite([['Supported', 'timer'], ['Session-Expires', '1800'], ['Min-SE', '300']]), { sessionExpires: 120 });
    expect(shortened.ok && shortened.timer).toEqual({ interval: 300, refresher: 'uac' });
  });

  it('the UAC reads the granted timer from the 2xx, and retries a 422 with the Min-SE it asked for', () => {
    const request = invite(sessionTimerRequestHeaders({ sessionExpires: 90 }));
    expect(sessionTimerFromResponse(createResponse(request, 200, 'OK', { headers: { 'Session-Expires': '1200;refresher=uas' } }))).toEqual({ interval: 1200, refresher: 'uas' });
    expect(sessionTimerFromResponse(createResponse(request, 200))).toBeUndefined();
    expect(sessionTimerFromResponse(createResponse(request, 200), { interval: 90 })).toEqual({ interval: 90, refresher: 'uac' });
    const tooSmall = new SipResponse(422, 'Session Interval Too Small', { 'Min-SE': '600' });
    expect(retryAfter422(tooSmall, { sessionExpires: 90 })).toEqual([
      ['Supported', 'timer'],
      ['Session-Expires', '600'],
      ['Min-SE', '600'],
    ]);
    expect(retryAfter422(new SipResponse(422, 'x'))).toBeUndefined();
  });
});

describe('SessionTimer', () => {
  it('as refresher: asks for a refresh at half the interval; a refresh restarts it; silence expires it at interval − min(32, interval/3)', () => {
    const clock = new ManualScheduler();
    const events: string[] = [];
    const timer = new SessionTimer({ scheduler: clock, onRefresh: () => events.push(`refresh@${clock.now()}`), onExpired: () => events.push(`expired@${clock.now()}`) });
    timer.start({ interval: 90, refresher: 'uac' }, 'uac');
    clock.advance(45_000);
    expect(events).toEqual(['refresh@45000']);
    timer.refreshed();
    clock.advance(45_000);
    expect(events).toEqual(['refresh@45000', 'refresh@90000']);
    clock.advance(100_000);
    // No refresh after the second request: expiry 60 s (90 − 30) after the last restart.
    expect(events).toEqual(['refresh@45000', 'refresh@90000', 'expired@105000']);
  });

  it('when the peer refreshes: never asks, expires at interval − 32 s without a refresh', () => {
    const clock = new ManualScheduler();
    const events: string[] = [];
    const timer = new SessionTimer({ scheduler: clock, onRefresh: () => events.push('refresh'), onExpired: () => events.push(`expired@${clock.now()}`) });
    timer.start({ interval: 1800, refresher: 'uac' }, 'uas');
    expect(timer.weRefresh).toBe(false);
    clock.advance(1000_000);
    timer.refreshed();
    clock.advance(2000_000);
    expect(events).toEqual([`expired@${1000_000 + 1768_000}`]);
  });

  it('stops cleanly', () => {
    const clock = new ManualScheduler();
    const timer = new SessionTimer({ scheduler: clock, onRefresh: () => undefined, onExpired: () => undefined });
    timer.start({ interval: 90, refresher: 'uas' }, 'uas');
    timer.stop();
    expect(clock.pending).toBe(0);
  });
});
