import { type AcdAgentState, type AcdAgentStatistics, type CtiCallStatePush, type ScreenPop } from '@parley/contracts';
import { type CallOffer, type LiveMessage } from '../../live/live-feed';
import { type PhoneCall } from '../../softphone/phone';

/**
 * The agent desktop's state, kept by a pure reducer over what happens: the agent's state (HTTP and
 * pushes), offers, screen pops and call states pushed by the cti service, and the phone's call.
 * Everything is driven by these events (no polling), so a background tab stays right.
 */

export interface AgentLive {
  state: AcdAgentState;
  reason: string | null;
  sinceMs: number;
  callId: string | null;
  /** When the after-call work ends, if the server says. */
  acwEndsAtMs: number | null;
}

export interface DesktopState {
  agentId: string;
  agent: AgentLive | null;
  /** The call offered to this agent and not yet answered, declined or withdrawn. */
  offer: CallOffer | null;
  /** Screen pops by call id (only the calls the desktop is showing; bounded). */
  pops: Readonly<Record<string, ScreenPop>>;
  /** The call the server says this agent is on (also when it is not on this browser's phone). */
  serverCall: { callId: string; held: boolean } | null;
  /** The phone's call as last seen. */
  phoneCall: PhoneCall | null;
  /** The call waiting for its wrap-up. */
  wrapUp: { callId: string; endedAtMs: number } | null;
  /** Calls wrapped up here (bounded): a late push does not open their form again. */
  wrappedUp: readonly string[];
  stats: AcdAgentStatistics | null;
  /** Another desktop of this agent took over. */
  replaced: boolean;
}

export type AgentStateInput = { state: AcdAgentState; reason: string | null; since: string; callId: string | null; acwEndsAt?: string };

export type DesktopEvent =
  | { kind: 'agent-state'; view: AgentStateInput }
  | { kind: 'live'; message: LiveMessage }
  /** The phone's snapshot changed, seen at `atMs`. */
  | { kind: 'phone'; call: PhoneCall | null; atMs: number }
  | { kind: 'pop'; pop: ScreenPop }
  | { kind: 'wrapped-up'; callId: string }
  /** The agent declined an offer its phone had not rung for. */
  | { kind: 'offer-declined'; callId: string };

const MAX_POPS = 5;
const MAX_WRAPPED = 20;

export function initialDesktop(agentId: string): DesktopState {
  return { agentId, agent: null, offer: null, pops: {}, serverCall: null, phoneCall: null, wrapUp: null, wrappedUp: [], stats: null, replaced: false };
}

export function reduceDesktop(state: DesktopState, event: DesktopEvent): DesktopState {
  switch (event.kind) {
    case 'agent-state':
      return applyAgentState(state, event.view);
    case 'live':
      return applyLive(state, event.message);
    case 'phone':
      return applyPhone(state, event.call, event.atMs);
    case 'pop':
      return withPop(state, event.pop);
    case 'wrapped-up': {
      const { [event.callId]: _done, ...pops } = state.pops;
      return {
        ...state,
        pops,
        wrapUp: state.wrapUp?.callId === event.callId ? null : state.wrapUp,
        wrappedUp: [...state.wrappedUp, event.callId].slice(-MAX_WRAPPED),
      };
    }
    case 'offer-declined':
      return state.offer?.callId === event.callId ? { ...state, offer: null } : state;
  }
}

function applyLive(state: DesktopState, message: LiveMessage): DesktopState {
  switch (message.type) {
    case 'agent.state':
      if (message.change.agentId !== state.agentId) return state;
      return applyAgentState(state, { ...message.change });
    case 'agent.stats': {
      const { stats } = message;
      if (stats.agentId !== state.agentId) return state;
      if (state.stats && Date.parse(state.stats.asOf) > Date.parse(stats.asOf)) return state;
      return { ...state, stats };
    }
    case 'offer':
      if (state.wrappedUp.includes(message.offer.callId) || state.serverCall?.callId === message.offer.callId) return state;
      return { ...state, offer: message.offer };
    case 'pop':
      return withPop(state, message.pop);
    case 'call.state':
      return applyCallState(state, message.change.callId, message.change.state, message.change.agentId, Date.parse(message.change.at));
    case 'session.replaced':
      return { ...state, replaced: true, offer: null };
    case 'queue.stats':
      return state;
  }
}

function applyAgentState(state: DesktopState, view: AgentStateInput): DesktopState {
  const sinceMs = Date.parse(view.since);
  if (state.agent && state.agent.sinceMs > sinceMs) return state; // an older answer than what the pushes said
  const agent: AgentLive = { state: view.state, reason: view.reason, sinceMs, callId: view.callId, acwEndsAtMs: view.acwEndsAt ? Date.parse(view.acwEndsAt) : null };
  let next: DesktopState = { ...state, agent };
  if (view.state === 'after-call-work' && view.callId) next = openWrapUp(next, view.callId, sinceMs);
  // Back to a state without a call after the offer was made: the offer was declined, timed out or withdrawn.
  const idle = view.state === 'available' || view.state === 'break' || view.state === 'offline';
  if (idle && next.offer && sinceMs >= Date.parse(next.offer.offeredAt) && !phoneHas(next, next.offer.callId)) next = { ...next, offer: null };
  if (idle && next.serverCall && !phoneHas(next, next.serverCall.callId)) next = { ...next, serverCall: null };
  return next;
}

function applyCallState(state: DesktopState, callId: string, callState: CtiCallStatePush, agentId: string | null, atMs: number): DesktopState {
  // A call this desktop knows, or one the server says this agent is on (after a reload, the resync says so).
  const known = state.serverCall?.callId === callId || state.offer?.callId === callId || state.phoneCall?.callId === callId;
  const onIt = (callState === 'connected' || callState === 'held') && agentId === state.agentId;
  if (!known && !onIt) return state;
  const offer = state.offer?.callId === callId && callState !== 'ringing' ? null : state.offer;
  switch (callState) {
    case 'ringing':
      return state;
    case 'connected':
      if (agentId === state.agentId) return { ...state, offer, serverCall: { callId, held: false } };
      // Taken by someone else: another agent answered the offer, or this agent transferred the call.
      return endServerCall({ ...state, offer }, callId, atMs);
    case 'held':
      return { ...state, offer, serverCall: state.serverCall?.callId === callId || onIt ? { callId, held: true } : state.serverCall };
    case 'queued': // transferred to a queue: this agent's part is over
    case 'ended':
      return endServerCall({ ...state, offer }, callId, atMs);
  }
}

/** The server says the call is no longer this agent's: it wraps up when it had the call. */
function endServerCall(state: DesktopState, callId: string, atMs: number): DesktopState {
  const hadIt = state.serverCall?.callId === callId || (state.phoneCall?.callId === callId && state.phoneCall.answeredAt !== null);
  const next = state.serverCall?.callId === callId ? { ...state, serverCall: null } : state;
  return hadIt ? openWrapUp(next, callId, atMs) : next;
}

function applyPhone(state: DesktopState, call: PhoneCall | null, atMs: number): DesktopState {
  const previous = state.phoneCall;
  let next: DesktopState = { ...state, phoneCall: call };
  if (!call || call.state !== 'ended' || previous?.id !== call.id || previous.state === 'ended') return next;
  // The phone's call has just ended.
  if (call.callId === null) return next;
  if (next.offer?.callId === call.callId) next = { ...next, offer: null };
  if (call.answeredAt !== null) {
    if (next.serverCall?.callId === call.callId) next = { ...next, serverCall: null };
    next = openWrapUp(next, call.callId, atMs);
  }
  return next;
}

function openWrapUp(state: DesktopState, callId: string, endedAtMs: number): DesktopState {
  if (state.wrappedUp.includes(callId) || state.wrapUp?.callId === callId) return state;
  return { ...state, wrapUp: { callId, endedAtMs } };
}

function withPop(state: DesktopState, pop: ScreenPop): DesktopState {
  const entries = Object.entries({ ...state.pops, [pop.callId]: pop });
  return { ...state, pops: Object.fromEntries(entries.slice(-MAX_POPS)) };
}

function phoneHas(state: DesktopState, callId: string): boolean {
  return state.phoneCall?.callId === callId && state.phoneCall.state !== 'ended';
}

/** What the desktop shows about calls, derived from the state. */
export interface DesktopView {
  /** A call ringing for this agent: the offer's details, and whether the phone rings (it can be answered). */
  ringing: { callId: string | null; offer: CallOffer | null; phone: PhoneCall | null } | null;
  /** The call in progress: on this browser's phone, or (after a reload) only known from the server. */
  active: { callId: string | null; phone: PhoneCall | null; held: boolean } | null;
}

export function desktopView(state: DesktopState): DesktopView {
  const phone = state.phoneCall;
  const phoneRinging = phone && (phone.state === 'ringing' || phone.state === 'answering') ? phone : null;
  const phoneConnected = phone && phone.state === 'connected' ? phone : null;
  let ringing: DesktopView['ringing'] = null;
  if (phoneRinging) ringing = { callId: phoneRinging.callId, offer: state.offer?.callId === phoneRinging.callId ? state.offer : null, phone: phoneRinging };
  else if (state.offer && !phoneConnected && state.serverCall?.callId !== state.offer.callId) ringing = { callId: state.offer.callId, offer: state.offer, phone: null };
  let active: DesktopView['active'] = null;
  if (phoneConnected) active = { callId: phoneConnected.callId, phone: phoneConnected, held: phoneConnected.held };
  else if (state.serverCall) active = { callId: state.serverCall.callId, phone: null, held: state.serverCall.held };
  return { ringing, active };
}
