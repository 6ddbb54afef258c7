import { type ConditionTest, type Weekday } from '@parley/contracts';

type BusinessHours = Extract<ConditionTest, { kind: 'business-hours' }>;
type Comparison = Extract<ConditionTest, { kind: 'variables' }>['comparisons'][number];

export interface LocalTime {
  readonly day: Weekday;
  /** YYYY-MM-DD in the time zone. */
  readonly date: string;
  /** Minutes since local midnight. */
  readonly minutes: number;
}

const WEEKDAYS: Record<string, Weekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of an instant in an IANA time zone. */
export function localTimeIn(timeZone: string, epochMs: number): LocalTime {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  const day = WEEKDAYS[parts.weekday ?? ''];
  if (day === undefined) throw new Error(`cannot read the weekday of ${new Date(epochMs).toISOString()} in ${timeZone}`);
  return { day, date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/** Open: not a holiday, and inside one of the day's opening periods (open ≤ t < close). */
export function isOpen(hours: BusinessHours, epochMs: number): boolean {
  const local = localTimeIn(hours.timeZone, epochMs);
  if (hours.holidays.some((h) => h.date === local.date)) return false;
  return hours.weekly.some((period) => period.day === local.day && minutesOf(period.open) <= local.minutes && local.minutes < minutesOf(period.close));
}

function asNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function compare(comparison: Comparison, actual: string | undefined): boolean {
  const expected = comparison.value ?? '';
  switch (comparison.op) {
    case 'exists':
      return actual !== undefined && actual !== '';
    case 'not-exists':
      return actual === undefined || actual === '';
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'contains':
      return actual !== undefined && actual.includes(expected);
    case 'matches':
      return actual !== undefined && new RegExp(expected).test(actual);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const a = asNumber(actual);
      const b = asNumber(expected);
      if (a === undefined || b === undefined) return false;
      if (comparison.op === 'lt') return a < b;
      if (comparison.op === 'lte') return a <= b;
      if (comparison.op === 'gt') return a > b;
      return a >= b;
    }
  }
}

export interface ConditionContext {
  readonly now: number;
  readonly callerNumber: string;
  readonly variable: (name: string) => string | undefined;
}

export function evaluateCondition(test: ConditionTest, context: ConditionContext): boolean {
  switch (test.kind) {
    case 'business-hours':
      return isOpen(test, context.now);
    case 'caller-number':
      return new RegExp(test.pattern).test(context.callerNumber);
    case 'variables': {
      const results = test.comparisons.map((c) => compare(c, context.variable(c.variable)));
      return test.match === 'all' ? results.every(Boolean) : results.some(Boolean);
    }
  }
}
