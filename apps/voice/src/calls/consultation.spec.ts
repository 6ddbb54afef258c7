import { InvalidStateError } from './call-model';
import { checkConferenceFromConsultation, checkConsultCancel, checkConsultComplete, checkNewThirdParty, type ConsultableCall, conferenceParticipants } from './consultation';

const agent = { kind: 'agent' as const, agentId: '0e7d2b1c-5f3a-4c8e-9b6d-1a2b3c4d5e6f' };
const bridged = (extra: Partial<ConsultableCall> = {}): ConsultableCall => ({ state: 'answered', peer: { target: agent }, dialing: false, ...extra });

describe('consultation and conference commands: what the call state allows', () => {
  it('consult: needs the caller bridged to an agent and no third party', () => {
    expect(() => checkNewThirdParty(bridged(), 'consult')).not.toThrow();
    expect(() => checkNewThirdParty(bridged({ state: 'ringing' }), 'consult')).toThrow('consult needs an answered call; the call is ringing');
    expect(() => checkNewThirdParty(bridged({ peer: undefined, dialing: true }), 'consult')).toThrow('nobody is bridged yet (a bridge is being placed)');
    expect(() => checkNewThirdParty(bridged({ peer: { target: { kind: 'number', number: '+14155550100' } } }), 'consult')).toThrow('bridged to an outside number');
    expect(() => checkNewThirdParty(bridged({ third: { state: 'ringing' } }), 'consult')).toThrow('a third party is already being dialled');
    expect(() => checkNewThirdParty(bridged({ third: { state: 'conference' } }), 'conference')).toThrow(InvalidStateError);
  });

  it('conference without a target: needs an answered consultation', () => {
    expect(() => checkConferenceFromConsultation(bridged({ third: { state: 'consulting' } }))).not.toThrow();
    expect(() => checkConferenceFromConsultation(bridged())).toThrow('needs a consultation in progress (or give a target)');
    expect(() => checkConferenceFromConsultation(bridged({ third: { state: 'ringing' } }))).toThrow('has not answered yet');
    expect(() => checkConferenceFromConsultation(bridged({ third: { state: 'conference' } }))).toThrow('already a conference');
  });

  it('consult-complete: an answered consultation or a conference', () => {
    expect(() => checkConsultComplete(bridged({ third: { state: 'consulting' } }))).not.toThrow();
    expect(() => checkConsultComplete(bridged({ third: { state: 'conference' } }))).not.toThrow();
    expect(() => checkConsultComplete(bridged())).toThrow('consult-complete needs a consultation in progress; there is none');
    expect(() => checkConsultComplete(bridged({ third: { state: 'ringing' } }))).toThrow('consult-cancel stops the dial');
  });

  it('consult-cancel: any third party, also one still ringing', () => {
    for (const state of ['ringing', 'consulting', 'conference'] as const) expect(() => checkConsultCancel(bridged({ third: { state } }))).not.toThrow();
    expect(() => checkConsultCancel(bridged())).toThrow('consult-cancel needs a consultation or a conference in progress');
    expect(() => checkConsultCancel(bridged({ state: 'ended', third: { state: 'consulting' } }))).toThrow('the call is ended');
  });

  it('names the conference participants: the caller, the agent, the third party', () => {
    expect(conferenceParticipants(agent, { kind: 'number', number: '+14155550100' })).toEqual([{ kind: 'caller' }, agent, { kind: 'number', number: '+14155550100' }]);
  });
});
