// Which consultation and conference commands a call's state allows, as plain checks (no I/O), so
// every refusal names what is missing. The B2BUA (voice-calls.ts) runs them before its first await,
// so two commands racing for one call cannot both pass.
import { type BridgeTarget, type CallState, InvalidStateError, type ThirdParty } from './call-model';

/** The part of a call the checks read. */
export interface ConsultableCall {
  state: CallState;
  peer?: { target: BridgeTarget };
  third?: Pick<ThirdParty, 'state'>;
  dialing: boolean;
}

/** A party of a conference, as its events name it. */
export type ConferenceParticipant = { kind: 'caller' } | BridgeTarget;

function requireAgentBridge(call: ConsultableCall, what: string): void {
  if (call.state !== 'answered') throw new InvalidStateError(`${what} needs an answered call; the call is ${call.state}`);
  if (!call.peer) throw new InvalidStateError(`${what} needs the caller bridged to an agent; nobody is bridged${call.dialing ? ' yet (a bridge is being placed)' : ''}`);
  if (call.peer.target.kind !== 'agent') throw new InvalidStateError(`${what} needs the caller bridged to an agent; the call is bridged to an outside number`);
}

/** `consult`, or `conference` with a target: the caller bridged to an agent, no third party yet. */
export function checkNewThirdParty(call: ConsultableCall, what: 'consult' | 'conference'): void {
  requireAgentBridge(call, what);
  if (call.third) throw new InvalidStateError(`${what}: a third party is already ${call.third.state === 'ringing' ? 'being dialled' : call.third.state === 'consulting' ? 'consulted' : 'in a conference'}; complete or cancel that first`);
}

/** `conference` without a target: joins the party of the running, answered consultation. */
export function checkConferenceFromConsultation(call: ConsultableCall): void {
  requireAgentBridge(call, 'conference');
  if (!call.third) throw new InvalidStateError('conference without a target needs a consultation in progress (or give a target)');
  if (call.third.state === 'ringing') throw new InvalidStateError('conference: the consulted party has not answered yet');
  if (call.third.state === 'conference') throw new InvalidStateError('conference: the call is already a conference');
}

/** `consult-complete`: an answered consultation or conference (the agent leaves it). */
export function checkConsultComplete(call: ConsultableCall): void {
  requireAgentBridge(call, 'consult-complete');
  if (!call.third) throw new InvalidStateError('consult-complete needs a consultation in progress; there is none');
  if (call.third.state === 'ringing') throw new InvalidStateError('consult-complete: the consulted party has not answered yet (consult-cancel stops the dial)');
}

/** `consult-cancel`: a third party being dialled, consulted or in a conference. */
export function checkConsultCancel(call: ConsultableCall): void {
  if (call.state !== 'answered') throw new InvalidStateError(`consult-cancel needs an answered call; the call is ${call.state}`);
  if (!call.third) throw new InvalidStateError('consult-cancel needs a consultation or a conference in progress; there is none');
}

/** Everyone in a three-way conference: the caller, the agent, the third party. */
export function conferenceParticipants(agent: BridgeTarget, third: BridgeTarget): ConferenceParticipant[] {
  return [{ kind: 'caller' }, agent, third];
}
