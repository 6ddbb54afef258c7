// When a call's state allows `release` (the bridged party leaves, the caller waits on music for the
// releaser's next command), as a plain check (no I/O) that names what is in the way. The B2BUA
// (voice-calls.ts) runs it before its first await, so a release never races a bridge or a consult.
import { type CallState, InvalidStateError, type ThirdParty } from './call-model';

/** The part of a call the check reads. */
export interface ReleasableCall {
  state: CallState;
  peer?: unknown;
  third?: Pick<ThirdParty, 'state'>;
  dialing: boolean;
  ringingAgents: ReadonlySet<string>;
}

/** `release`: an answered call bridged to a party, with no third party and no dial in progress. */
export function checkRelease(call: ReleasableCall): void {
  if (call.state !== 'answered') throw new InvalidStateError(`release needs an answered call; the call is ${call.state}`);
  if (call.third) {
    if (call.third.state === 'ringing') throw new InvalidStateError('release: a third party is being dialled; consult-cancel it first');
    const what = call.third.state === 'consulting' ? 'a consultation' : 'a conference';
    throw new InvalidStateError(`release: ${what} is in progress; consult-complete or consult-cancel it first`);
  }
  if (call.dialing) {
    // Ring-all: a bridge just answered while the other agents' phones are still being stopped.
    const ringing = call.ringingAgents.size > 0 ? ` (ringing agent${call.ringingAgents.size > 1 ? 's' : ''} ${[...call.ringingAgents].join(', ')})` : '';
    throw new InvalidStateError(`release: a bridge is still being dialled${ringing}; release once it is bridged, or hang up`);
  }
  if (call.peer === undefined) throw new InvalidStateError('release needs a bridged party (agent or number); nobody is bridged to the call');
}
