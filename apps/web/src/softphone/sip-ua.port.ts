/**
 * The part of a SIP user agent (jssip's UA and RTCSession) the softphone drives, as plain events
 * and methods: `jssip-ua.ts` adapts jssip to it in the browser; unit tests give a fake.
 */

export interface UaSettings {
  websocketUrl: string;
  /** The agent's address of record, `sip:<userId>@<tenant sip domain>`. */
  uri: string;
  authorizationUser: string;
  password: string;
  /** Seconds a registration lasts before the user agent refreshes it. */
  registerExpires: number;
}

export type UaEvent =
  | { type: 'connecting' }
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'registered' }
  | { type: 'unregistered' }
  | { type: 'registrationFailed'; cause: string; statusCode: number | null }
  | { type: 'incoming'; session: SessionLike; request: IncomingInvite };

/** What the softphone reads of an incoming INVITE. */
export interface IncomingInvite {
  /** A header's value, null when absent. */
  header(name: string): string | null;
  /** The user part of the From URI. */
  fromUser: string;
}

export interface UaLike {
  onEvent(listener: (event: UaEvent) => void): void;
  start(): void;
  stop(): void;
  /** Sends a REGISTER now (with the credentials last set). */
  register(): void;
  setCredentials(authorizationUser: string, password: string): void;
}

/** Makes a user agent; may load its code first (the browser's jssip is a chunk of its own). */
export type UaFactory = (settings: UaSettings) => UaLike | Promise<UaLike>;

export type SessionEvent =
  | { type: 'peerconnection'; connection: RTCPeerConnection }
  /** Answered and acknowledged: media flows. */
  | { type: 'confirmed' }
  /** Ended (BYE, CANCEL) or failed (rejected, no media); `cause` says why. */
  | { type: 'ended'; cause: string }
  | { type: 'hold' }
  | { type: 'unhold' };

export interface SessionLike {
  onEvent(listener: (event: SessionEvent) => void): void;
  answer(options: { mediaConstraints: MediaStreamConstraints; pcConfig: RTCConfiguration }): void;
  terminate(options?: { statusCode: number; reasonPhrase: string }): void;
  hold(): void;
  unhold(): void;
  /** Disables (or enables again) the local audio tracks: the far end hears silence. */
  mute(): void;
  unmute(): void;
  sendDtmf(tones: string): void;
  /** Sends REFER to `target`; `done` is told once: accepted (the far end took the call) or why not. */
  refer(target: string, done: (outcome: { accepted: true } | { accepted: false; reason: string }) => void): void;
  /** The media connection, once the call is being answered. */
  readonly connection: RTCPeerConnection | null;
}
