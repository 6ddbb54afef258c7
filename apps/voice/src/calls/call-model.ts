import { type PayloadOf, type Prompt, type voiceCallBridgedV1 } from '@parley/contracts';
import { type Dialog, type InboundRequest } from '@parley/sip';
import { type DigitCollector } from './digit-collector';
import { type PlainOffer } from './rtp-sdp';

export type CallState = 'ringing' | 'answered' | 'ended';
export type BridgeTarget = PayloadOf<typeof voiceCallBridgedV1>['target'];
export type AfterHangup = 'end' | 'continue';

/** The caller's leg: left channel of recordings. */
export const CALLER_LEG = 'caller';

export interface PendingPlayback {
  commandId: string;
  kind: 'play' | 'collect';
  remaining: Prompt[];
  collector?: DigitCollector;
  bargeIn: boolean;
}

/** The party the caller is bridged to: an agent's browser (WebRTC) or an outside number (RTP through a trunk). */
export interface Peer {
  target: BridgeTarget;
  legId: string;
  dialog: Dialog;
  afterHangup: AfterHangup;
  /** Plain RTP peers: what our re-INVITE answers carry. */
  plain?: { port: number; offer: PlainOffer; sessionVersion: number };
  held: boolean;
  trunk?: string;
}

/**
 * A third party the agent brings in: dialled (ringing), consulted (the agent talks to it while the
 * caller is on hold) or in a three-way conference with the caller and the agent.
 */
export interface ThirdParty {
  target: BridgeTarget;
  /** The consult or conference command that dialled it. */
  commandId: string;
  /** What its answer leads to: a consultation, or straight into a conference. */
  purpose: 'consult' | 'conference';
  state: 'ringing' | 'consulting' | 'conference';
  /** Its leg and dialog once it answered (the shape of a peer: it may become the call's peer). */
  party?: Peer;
}

/** A supervisor listening, whispering or barging. */
export interface Monitor {
  supervisorId: string;
  legId: string;
  dialog?: Dialog;
  mode: 'listen' | 'whisper' | 'barge';
}

export interface Call {
  id: string;
  tenantId: string;
  state: CallState;
  direction: 'inbound' | 'outbound';
  /** The carrier's INVITE (inbound calls); outbound calls have none. */
  invite?: InboundRequest;
  /** The customer's number as dialled or shown (the From user of an inbound call, the To of an outbound one). */
  remoteNumber: string;
  offer: PlainOffer;
  local: { address: string; port: number };
  dialog?: Dialog;
  startedAt: number;
  answeredAt?: number;
  /** 183 Session Progress with our SDP went out (early media). */
  early: boolean;
  callerHeld: boolean;
  heldSince?: number;
  holdMs: number;
  commandSeen: boolean;
  /** Armed while nobody drives the call: new calls (emergency path) and calls whose bridged party left. */
  commandTimer?: NodeJS.Timeout;
  playback?: PendingPlayback;
  collector?: DigitCollector;
  recording: boolean;
  sessionVersion: number;
  peer?: Peer;
  /** A bridge (agent or number) is being placed. */
  dialing: boolean;
  /**
   * The agents being rung for this call. Several at once is a ring-all offer (one bridge-agent
   * command each): the first to answer takes the call and the others are cancelled.
   */
  ringingAgents: Set<string>;
  /** The agent whose answer is being connected (claimed synchronously, so two answers never both connect). */
  answeredBy?: string;
  monitors: Map<string, Monitor>;
  /** The party the agent consults or conferences with (at most one). */
  third?: ThirdParty;
  /** The call's command queue (each command runs after the previous one finished; failures are reported, never thrown). */
  commands: Promise<void>;
  /** Ids of the commands already taken (duplicates from an at-least-once bus are dropped). */
  commandIds: Set<string>;
  legCounter: number;
  /** On the emergency path: the fallback prompt is playing, or the backup number is being dialled. */
  emergency: boolean;
}

/** A command that does not fit the call's state (answered, bridged...). */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
}

/** A bridge or transfer that did not connect, with the SIP status that said so. */
export class DialFailedError extends Error {
  override readonly name = 'DialFailedError';
  constructor(
    readonly sipStatus: number,
    message: string,
  ) {
    super(message);
  }
}

/** The side of a call a dialog belongs to. */
export type DialogRole = { kind: 'caller' } | { kind: 'peer' } | { kind: 'third' } | { kind: 'monitor'; supervisorId: string };
