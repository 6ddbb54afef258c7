import { Mixer, MixerError } from './mixer';

function frame(value: number): Int16Array {
  return new Int16Array(160).fill(value);
}

/** Each participant speaks a distinct constant, so a mix's value tells who is heard. */
function tick(mixer: Mixer, voices: Record<string, number | null>): Record<string, number> {
  for (const [id, v] of Object.entries(voices)) mixer.get(id)!.setInput(v === null ? null : frame(v));
  mixer.mix();
  const heard: Record<string, number> = {};
  for (const id of Object.keys(voices)) {
    const out = mixer.get(id)!.output;
    expect(out.every((s) => s === out[0])).toBe(true);
    heard[id] = out[0]!;
  }
  return heard;
}

describe('Mixer', () => {
  const CALLER = 1;
  const AGENT = 10;
  const THIRD = 100;
  const SUPERVISOR = 1000;

  it('gives each of three parties the sum of the others but not itself', () => {
    const mixer = new Mixer();
    for (const id of ['caller', 'agent', 'third']) mixer.add(id);
    expect(tick(mixer, { caller: CALLER, agent: AGENT, third: THIRD })).toEqual({
      caller: AGENT + THIRD,
      agent: CALLER + THIRD,
      third: CALLER + AGENT,
    });
  });

  it('treats a party without audio this tick as silent', () => {
    const mixer = new Mixer();
    for (const id of ['caller', 'agent', 'third']) mixer.add(id);
    expect(tick(mixer, { caller: CALLER, agent: null, third: THIRD })).toEqual({ caller: THIRD, agent: CALLER + THIRD, third: CALLER });
  });

  it('listen: the supervisor hears both, nobody hears the supervisor', () => {
    const mixer = new Mixer();
    mixer.add('caller');
    mixer.add('agent');
    mixer.add('sup', { mode: 'listen' });
    expect(tick(mixer, { caller: CALLER, agent: AGENT, sup: SUPERVISOR })).toEqual({ caller: AGENT, agent: CALLER, sup: CALLER + AGENT });
  });

  it('whisper: the supervisor hears both, only the agent hears the supervisor', () => {
    const mixer = new Mixer();
    mixer.add('caller');
    mixer.add('agent');
    mixer.add('sup', { mode: 'whisper', whisperTo: 'agent' });
    expect(tick(mixer, { caller: CALLER, agent: AGENT, sup: SUPERVISOR })).toEqual({
      caller: AGENT,
      agent: CALLER + SUPERVISOR,
      sup: CALLER + AGENT,
    });
  });

  it('barge: everyone hears everyone; modes change between ticks', () => {
    const mixer = new Mixer();
    mixer.add('caller');
    mixer.add('agent');
    mixer.add('sup', { mode: 'listen' });
    mixer.setMode('sup', 'barge');
    expect(tick(mixer, { caller: CALLER, agent: AGENT, sup: SUPERVISOR })).toEqual({
      caller: AGENT + SUPERVISOR,
      agent: CALLER + SUPERVISOR,
      sup: CALLER + AGENT,
    });
    mixer.setMode('sup', 'whisper', 'agent');
    expect(tick(mixer, { caller: CALLER, agent: AGENT, sup: SUPERVISOR }).caller).toBe(AGENT);
  });

  it('adds several whisperers to one listener', () => {
    const mixer = new Mixer();
    mixer.add('caller');
    mixer.add('agent');
    mixer.add('sup1', { mode: 'whisper', whisperTo: 'agent' });
    mixer.add('sup2', { mode: 'whisper', whisperTo: 'agent' });
    expect(tick(mixer, { caller: CALLER, agent: AGENT, sup1: 1000, sup2: 3000 }).agent).toBe(CALLER + 4000);
  });

  it('saturates instead of wrapping around', () => {
    const mixer = new Mixer();
    for (const id of ['a', 'b', 'c', 'd']) mixer.add(id);
    expect(tick(mixer, { a: 30000, b: 30000, c: 30000, d: -30000 })).toEqual({ a: 30000, b: 30000, c: 30000, d: 32767 });
    expect(tick(mixer, { a: -30000, b: -30000, c: -30000, d: 0 }).d).toBe(-32768);
  });

  it('held: hears nobody and nobody hears it, while the others go on talking (a consultation)', () => {
    const mixer = new Mixer();
    mixer.add('caller', { mode: 'held' });
    mixer.add('agent');
    mixer.add('third');
    mixer.add('sup', { mode: 'listen' });
    expect(tick(mixer, { caller: CALLER, agent: AGENT, third: THIRD, sup: SUPERVISOR })).toEqual({
      caller: 0,
      agent: THIRD,
      third: AGENT,
      sup: AGENT + THIRD,
    });
    // A whisper addressed to a held participant is not heard either.
    mixer.setMode('sup', 'whisper', 'caller');
    expect(tick(mixer, { caller: CALLER, agent: AGENT, third: THIRD, sup: SUPERVISOR }).caller).toBe(0);
    // Taken off hold (a conference): everyone hears everyone again.
    mixer.setMode('caller', 'normal');
    mixer.setMode('sup', 'listen');
    expect(tick(mixer, { caller: CALLER, agent: AGENT, third: THIRD, sup: SUPERVISOR })).toEqual({
      caller: AGENT + THIRD,
      agent: CALLER + THIRD,
      third: CALLER + AGENT,
      sup: CALLER + AGENT + THIRD,
    });
  });

  it('refuses an unknown mode, naming it', () => {
    const mixer = new Mixer();
    mixer.add('caller');
    expect(() => mixer.setMode('caller', 'parked' as never)).toThrow(/unknown mode "parked"/);
    expect(() => mixer.add('x', { mode: 'mute' as never })).toThrow(MixerError);
  });

  it('refuses a whisper without a target and duplicate ids; removes participants', () => {
    const mixer = new Mixer();
    mixer.add('agent');
    expect(() => mixer.add('sup', { mode: 'whisper' })).toThrow(MixerError);
    expect(() => mixer.add('agent')).toThrow(/already in the mix/);
    expect(() => mixer.setMode('ghost', 'listen')).toThrow(/no participant "ghost"/);
    expect(mixer.remove('agent')).toBe(true);
    expect(mixer.remove('agent')).toBe(false);
    expect(mixer.size).toBe(0);
  });
});
