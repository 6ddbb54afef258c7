import { detectDtmfTone, dominantFrequency, rms, toneAmplitude } from './goertzel';
import { dtmfFrequencies, padToFrames, renderDtmf, renderTone, renderTonePattern, TONE_PATTERNS, ToneSpecError } from './tone';

describe('renderTone', () => {
  it('produces the asked frequency, length and level', () => {
    const pcm = renderTone({ frequencies: [440], durationMs: 500, amplitude: 10000 });
    expect(pcm).toHaveLength(4000);
    const found = dominantFrequency(pcm, [350, 440, 480, 620, 1000]);
    expect(found.frequency).toBe(440);
    expect(found.share).toBeGreaterThan(0.95);
    expect(toneAmplitude(pcm, 440, 8000, 400, 3200)).toBeCloseTo(10000, -2);
  });

  it('ramps the edges instead of starting at full level', () => {
    const pcm = renderTone({ frequencies: [1000], durationMs: 100, amplitude: 10000 });
    expect(Math.abs(pcm[1]!)).toBeLessThan(400);
    expect(Math.abs(pcm[pcm.length - 1]!)).toBeLessThan(400);
  });

  it.each([
    [{ frequencies: [5000], durationMs: 10 }, /between 0 and 4000 Hz/],
    [{ frequencies: [440], durationMs: -1 }, /≥ 0 ms/],
    [{ frequencies: [440, 480], durationMs: 10, amplitude: 20000 }, /exceeds 16-bit/],
  ])('rejects %j', (spec, message) => {
    expect(() => renderTone(spec)).toThrow(ToneSpecError);
    expect(() => renderTone(spec)).toThrow(message);
  });
});

describe('renderTonePattern', () => {
  it('renders a cadence with silence where asked', () => {
    const pcm = renderTonePattern(TONE_PATTERNS.busyUs);
    expect(pcm).toHaveLength(8000);
    expect(rms(pcm, 0, 4000)).toBeGreaterThan(3000);
    expect(rms(pcm, 4000, 4000)).toBe(0);
    expect(dominantFrequency(pcm, [440, 480, 620], 8000, 0, 4000).frequency).not.toBe(440);
  });

  it('pads to whole 20 ms frames', () => {
    expect(padToFrames(new Int16Array(161))).toHaveLength(320);
    const exact = new Int16Array(320);
    expect(padToFrames(exact)).toBe(exact);
  });
});

describe('DTMF tones', () => {
  it('uses the Q.23 frequencies and is recognised by the detector for every digit', () => {
    expect(dtmfFrequencies('5')).toEqual([770, 1336]);
    expect(dtmfFrequencies('D')).toEqual([941, 1633]);
    for (const digit of '0123456789*#ABCD') expect(detectDtmfTone(renderDtmf(digit, 60))).toBe(digit);
  });

  it('finds no digit in a single tone, in speech-like noise or in silence', () => {
    expect(detectDtmfTone(renderTone({ frequencies: [770], durationMs: 60 }))).toBeNull();
    expect(detectDtmfTone(new Int16Array(480))).toBeNull();
    const noise = new Int16Array(480).map((_, i) => Math.round(8000 * Math.sin(i * 0.37) * Math.sin(i * 0.011) + ((i * 7919) % 2000) - 1000));
    expect(detectDtmfTone(noise)).toBeNull();
  });
});
