import { businessHoursTestSchema, variableComparisonSchema } from '@parley/contracts';
import { compare, evaluateCondition, isOpen, localTimeIn } from './flow-conditions';

const at = (iso: string) => Date.parse(iso);

describe('business hours', () => {
  const paris = businessHoursTestSchema.parse({
    kind: 'business-hours',
    timeZone: 'Europe/Paris',
    weekly: [
      { day: 'mon', open: '09:00', close: '12:30' },
      { day: 'mon', open: '14:00', close: '18:00' },
      { day: 'sat', open: '10:00', close: '24:00' },
    ],
    holidays: [{ date: '2026-05-04', name: 'a Monday off' }],
  });

  it('reads the local weekday, date and time of the time zone, across daylight saving time', () => {
    // Winter: Paris is UTC+1; summer: UTC+2.
    expect(localTimeIn('Europe/Paris', at('2026-01-05T08:30:00Z'))).toEqual({ day: 'mon', date: '2026-01-05', minutes: 9 * 60 + 30 });
    expect(localTimeIn('Europe/Paris', at('2026-07-06T08:30:00Z'))).toEqual({ day: 'mon', date: '2026-07-06', minutes: 10 * 60 + 30 });
    expect(localTimeIn('America/New_York', at('2026-01-06T03:00:00Z'))).toEqual({ day: 'mon', date: '2026-01-05', minutes: 22 * 60 });
  });

  it('is open inside a period (open inclusive, close exclusive) and closed between, before and after', () => {
    expect(isOpen(paris, at('2026-01-05T08:00:00Z'))).toBe(true); // Mon 09:00 local
    expect(isOpen(paris, at('2026-01-05T07:59:00Z'))).toBe(false); // 08:59
    expect(isOpen(paris, at('2026-01-05T11:29:00Z'))).toBe(true); // 12:29
    expect(isOpen(paris, at('2026-01-05T11:30:00Z'))).toBe(false); // 12:30, lunch
    expect(isOpen(paris, at('2026-01-05T13:00:00Z'))).toBe(true); // 14:00
    expect(isOpen(paris, at('2026-01-06T09:00:00Z'))).toBe(false); // Tuesday: no period
  });

  it('stays open until midnight with close 24:00', () => {
    expect(isOpen(paris, at('2026-01-10T22:59:00Z'))).toBe(true); // Sat 23:59 local
    expect(isOpen(paris, at('2026-01-10T23:00:00Z'))).toBe(false); // Sun 00:00 local
  });

  it('is closed all day on a holiday of the local calendar', () => {
    expect(isOpen(paris, at('2026-05-04T08:00:00Z'))).toBe(false); // Mon 10:00 local, holiday
    expect(isOpen(paris, at('2026-05-11T08:00:00Z'))).toBe(true); // the Monday after
  });
});

describe('conditions', () => {
  const cmp = (op: string, value?: string) => variableComparisonSchema.parse({ variable: 'v', op, value });

  it('compares numbers as numbers and refuses non-numbers', () => {
    expect(compare(cmp('gt', '9'), '10')).toBe(true); // not string order
    expect(compare(cmp('lte', '10'), '10')).toBe(true);
    expect(compare(cmp('lt', '10'), 'abc')).toBe(false);
    expect(compare(cmp('gte', '1'), undefined)).toBe(false);
  });

  it('compares text, patterns and presence', () => {
    expect(compare(cmp('eq', 'gold'), 'gold')).toBe(true);
    expect(compare(cmp('neq', 'gold'), 'silver')).toBe(true);
    expect(compare(cmp('contains', 'ol'), 'gold')).toBe(true);
    expect(compare(cmp('matches', '^[0-9]{4}$'), '1234')).toBe(true);
    expect(compare(cmp('matches', '^[0-9]{4}$'), '12345')).toBe(false);
    expect(compare(cmp('exists'), '')).toBe(false);
    expect(compare(cmp('not-exists'), undefined)).toBe(true);
  });

  it('refuses a comparison without the value its operator needs', () => {
    expect(variableComparisonSchema.safeParse({ variable: 'v', op: 'eq' }).success).toBe(false);
    expect(variableComparisonSchema.safeParse({ variable: 'v', op: 'gt', value: 'ten' }).success).toBe(false);
  });

  it('matches the caller number pattern and combines comparisons with all / any', () => {
    const context = { now: 0, callerNumber: '+33612345678', variable: (name: string) => ({ tier: 'gold', balance: '12' })[name] };
    expect(evaluateCondition({ kind: 'caller-number', pattern: '^\\+33' }, context)).toBe(true);
    expect(evaluateCondition({ kind: 'caller-number', pattern: '^\\+1' }, context)).toBe(false);
    const comparisons = [cmp('eq', 'x'), { variable: 'tier', op: 'eq' as const, value: 'gold' }];
    expect(evaluateCondition({ kind: 'variables', match: 'all', comparisons }, context)).toBe(false);
    expect(evaluateCondition({ kind: 'variables', match: 'any', comparisons }, context)).toBe(true);
  });
});
