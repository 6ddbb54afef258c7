import { C, UA, WebSocketInterface } from 'jssip';
import { type RTCSession } from 'jssip/lib/RTCSession';
import { type IncomingRTCSessionEvent, type OutgoingRTCSessionEvent } from 'jssip/lib/UA';
import { type SessionEvent, type SessionLike, type UaEvent, type UaFactory, type UaLike } from './sip-ua.port';

/**
 * The softphone's user agent in the browser: jssip over SIP-over-WebSocket. jssip reconnects its
 * WebSocket by itself (after 2 s, backing off to 30 s) and registers again once connected.
 * Not unit-tested here (jsdom has no WebRTC); the end-to-end tests drive it in Chromium.
 */
export const createJssipUa: UaFactory = (settings): UaLike => {
  const ua = new UA({
    sockets: [new WebSocketInterface(settings.websocketUrl)],
    uri: settings.uri,
    authorization_user: settings.authorizationUser,
    password: settings.password,
    register: true,
    register_expires: settings.registerExpires,
    connection_recovery_min_interval: 2,
    connection_recovery_max_interval: 30,
    session_timers: true,
    user_agent: 'Parley desktop',
  });
  const listeners = new Set<(event: UaEvent) => void>();
  const emit = (event: UaEvent): void => {
    for (const listener of listeners) listener(event);
  };
  ua.on('connecting', () => emit({ type: 'connecting' }));
  ua.on('connected', () => emit({ type: 'connected' }));
  ua.on('disconnected', () => emit({ type: 'disconnected' }));
  ua.on('registered', () => emit({ type: 'registered' }));
  ua.on('unregistered', () => emit({ type: 'unregistered' }));
  ua.on('registrationFailed', (event) => emit({ type: 'registrationFailed', cause: String(event.cause ?? 'unknown'), statusCode: event.response?.status_code ?? null }));
  ua.on('newRTCSession', (event: IncomingRTCSessionEvent | OutgoingRTCSessionEvent) => {
    if (event.originator !== 'remote') return;
    const { request } = event;
    emit({
      type: 'incoming',
      session: jssipSession(event.session),
      request: { header: (name) => (request.hasHeader(name) ? request.getHeader(name) : null), fromUser: request.from.uri.user ?? '' },
    });
  });
  return {
    onEvent: (listener) => void listeners.add(listener),
    start: () => ua.start(),
    stop: () => ua.stop(),
    register: () => ua.register(),
    setCredentials: (authorizationUser, password) => {
      ua.set('authorization_user', authorizationUser);
      ua.set('password', password);
    },
  };
};

function jssipSession(session: RTCSession): SessionLike {
  const listeners = new Set<(event: SessionEvent) => void>();
  const emit = (event: SessionEvent): void => {
    for (const listener of listeners) listener(event);
  };
  session.on('peerconnection', (event) => emit({ type: 'peerconnection', connection: event.peerconnection }));
  session.on('confirmed', () => emit({ type: 'confirmed' }));
  session.on('ended', (event) => emit({ type: 'ended', cause: event.cause }));
  session.on('failed', (event) => emit({ type: 'ended', cause: event.cause }));
  session.on('hold', (event) => event.originator === 'local' && emit({ type: 'hold' }));
  session.on('unhold', (event) => event.originator === 'local' && emit({ type: 'unhold' }));
  return {
    onEvent: (listener) => void listeners.add(listener),
    answer: (options) => session.answer(options),
    terminate: (options) => session.terminate(options ? { status_code: options.statusCode, reason_phrase: options.reasonPhrase } : undefined),
    hold: () => void session.hold(),
    unhold: () => void session.unhold(),
    mute: () => session.mute({ audio: true }),
    unmute: () => session.unmute({ audio: true }),
    sendDtmf: (tones) => session.sendDTMF(tones, { transportType: C.DTMF_TRANSPORT.RFC2833, duration: 160, interToneGap: 100 }),
    refer: (target, done) => {
      let told = false;
      const tell = (outcome: { accepted: true } | { accepted: false; reason: string }): void => {
        if (told) return;
        told = true;
        done(outcome);
      };
      session.refer(target, {
        eventHandlers: {
          accepted: () => tell({ accepted: true }),
          failed: (event: { status_line?: { status_code?: number; reason_phrase?: string } }) =>
            tell({ accepted: false, reason: `${event.status_line?.status_code ?? ''} ${event.status_line?.reason_phrase ?? 'failed'}`.trim() }),
          requestFailed: (event: { response?: { status_code?: number; reason_phrase?: string } | null; cause?: string }) =>
            tell({ accepted: false, reason: event.response ? `${event.response.status_code ?? ''} ${event.response.reason_phrase ?? ''}`.trim() : String(event.cause ?? 'no answer') }),
        },
      });
    },
    get connection() {
      return session.connection ?? null;
    },
  };
}
