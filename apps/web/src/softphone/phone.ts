/**
 * The agent's phone as the desktop sees it: registration, the one call it handles at a time, and
 * what an agent does with that call. `Softphone` implements it over jssip; tests use a fake.
 */

export type PhoneConnection = 'connecting' | 'connected' | 'disconnected';
export type PhoneRegistration = 'unregistered' | 'registering' | 'registered' | 'failed';
export type PhoneCallState = 'ringing' | 'answering' | 'connected' | 'ended';

export interface PhoneCall {
  /** The phone's own id for the call (one per INVITE). */
  id: string;
  /** The Parley call id from the INVITE's `X-Parley-Call-Id` header; null when it had none (or not a call id). */
  callId: string | null;
  /** The From user of the INVITE (what the voice node presents). */
  from: string;
  state: PhoneCallState;
  ringingSince: number;
  /** When the call was answered (ms since the epoch): the call timer counts from here. */
  answeredAt: number | null;
  held: boolean;
  muted: boolean;
  /** Why the call ended (the SIP stack's cause), once ended. */
  endCause: string | null;
}

/** What keeps the phone from taking calls: no credentials could be had, or the registrar refused. */
export type PhoneProblem = { kind: 'credentials' } | { kind: 'registration'; detail: string };

export interface PhoneSnapshot {
  connection: PhoneConnection;
  registration: PhoneRegistration;
  /** What went wrong last, cleared by the next registration. */
  problem: PhoneProblem | null;
  /** The current call, or the last one once ended (until the next rings). */
  call: PhoneCall | null;
}

export type TransferTarget = { kind: 'agent'; agentId: string } | { kind: 'number'; number: string };

export interface AudioDevice {
  deviceId: string;
  /** Empty until the user has allowed the microphone (browsers hide labels before). */
  label: string;
}

export interface AudioDevices {
  inputs: AudioDevice[];
  outputs: AudioDevice[];
  /** Whether the browser can route the call audio to a chosen output (`HTMLMediaElement.setSinkId`). */
  canChooseOutput: boolean;
}

/** A summary of the call's WebRTC statistics (`RTCPeerConnection.getStats`). */
export interface CallQuality {
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  jitterMs: number | null;
  roundTripMs: number | null;
}

export type PhoneErrorCode = 'no-call' | 'bad-tones' | 'bad-target' | 'transfer-failed' | 'transfer-timeout';

/** An action the phone refused or that failed, with a code the screen words in the user's language. */
export class PhoneError extends Error {
  override readonly name = 'PhoneError';
  constructor(
    readonly code: PhoneErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Phone {
  /** Gets credentials, connects and registers; keeps the registration alive with fresh credentials. */
  start(): void;
  /** Hangs up, unregisters and disconnects; `start()` begins again with fresh credentials. */
  stop(): void;
  /** After a network loss: renews the credentials if they are due and registers again. */
  reconnect(): void;
  snapshot(): PhoneSnapshot;
  /** Told after every change of the snapshot. */
  subscribe(listener: () => void): () => void;
  answer(): void;
  /** Declines the ringing call (486 Busy Here). */
  reject(): void;
  hangup(): void;
  hold(on: boolean): void;
  mute(on: boolean): void;
  /** Sends keypad tones in the media (RFC 4733). */
  sendDtmf(tones: string): void;
  /** Blind transfer (REFER); resolves when the far end has taken the call. */
  transfer(target: TransferTarget): Promise<void>;
  quality(): Promise<CallQuality | null>;
  devices(): Promise<AudioDevices>;
  /** The microphone for the next calls and, when one is in progress, for it too (null: the default). */
  useInput(deviceId: string | null): Promise<void>;
  /** The speaker or headset the call is played on (null: the default). */
  useOutput(deviceId: string | null): Promise<void>;
}

/** The numbers a transfer may dial: E.164 with the plus, written with or without spaces, dashes, dots and brackets. */
export function normalizeTransferNumber(input: string): string | null {
  const compact = input.replace(/[\s\-().]/g, '');
  return /^\+[1-9][0-9]{6,14}$/.test(compact) ? compact : null;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keypad tones RFC 4733 carries. */
export const DTMF_PATTERN = /^[0-9A-D#*]{1,32}$/;
