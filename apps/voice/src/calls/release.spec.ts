import { InvalidStateError } from './call-model';
import { checkRelease, type ReleasableCall } from './release';

const bridged = (extra: Partial<ReleasableCall> = {}): ReleasableCall => ({ state: 'answered', peer: { legId: 'peer-1' }, dialing: false, ringingAgents: new Set(), ...extra });

describe('release: what the call state allows', () => {
  it('releases an answered call bridged to a party', () => {
    expect(() => checkRelease(bridged())).not.toThrow();
  });

  it('refuses a call with nobody bridged, naming why', () => {
    expect(() => checkRelease(bridged({ peer: undefined }))).toThrow(new InvalidStateError('release needs a bridged party (agent or number); nobody is bridged to the call'));
    expect(() => checkRelease(bridged({ state: 'ringing', peer: undefined }))).toThrow('release needs an answered call; the call is ringing');
    expect(() => checkRelease(bridged({ state: 'ended' }))).toThrow('the call is ended');
  });

  it('refuses while a bridge is being dialled (also the other agents of a ring-all still being stopped)', () => {
    expect(() => checkRelease(bridged({ peer: undefined, dialing: true }))).toThrow('release: a bridge is still being dialled; release once it is bridged, or hang up');
    const agentId = '0e7d2b1c-5f3a-4c8e-9b6d-1a2b3c4d5e6f';
    expect(() => checkRelease(bridged({ dialing: true, ringingAgents: new Set([agentId]) }))).toThrow(`a bridge is still being dialled (ringing agent ${agentId})`);
  });

  it('refuses during a consultation or a conference: it must be completed or cancelled first', () => {
    expect(() => checkRelease(bridged({ third: { state: 'ringing' } }))).toThrow('release: a third party is being dialled; consult-cancel it first');
    expect(() => checkRelease(bridged({ third: { state: 'consulting' } }))).toThrow('release: a consultation is in progress; consult-complete or consult-cancel it first');
    expect(() => checkRelease(bridged({ third: { state: 'conference' } }))).toThrow('release: a conference is in progress; consult-complete or consult-cancel it first');
  });
});
