/** Injection tokens of the cti service's collaborators, provided by whoever composes it (main.ts, apps/platform). */
export const CTI_CONFIG = Symbol.for('parley:cti:config');
export const CTI_DATA_SOURCE = Symbol.for('parley:cti:data-source');
export const CTI_UNIT_OF_WORK = Symbol.for('parley:cti:unit-of-work');
export const CTI_EVENT_BUS = Symbol.for('parley:cti:event-bus');
export const CTI_LOGGER = Symbol.for('parley:cti:logger');
export const CTI_METRICS = Symbol.for('parley:cti:metrics');
export const CTI_REALTIME = Symbol.for('parley:cti:realtime');
export const CTI_CONSUMER_GROUPS = Symbol.for('parley:cti:consumer-groups');
export const CTI_CLOCK = Symbol.for('parley:cti:clock');

/** The PostgreSQL schema the cti service owns. */
export const CTI_SCHEMA = 'cti';

/** The `issuedBy` of every voice command the cti service sends. */
export const CTI_COMMAND_ISSUER = 'cti';

export interface CtiLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Source of "now" (tests move it). */
export type CtiClock = () => Date;

/** The Kafka consumer groups of one cti deployment (`<service>.<purpose>`). */
export interface CtiConsumerGroups {
  /** The call projection (ivr, acd and voice events of calls), with an inbox. */
  readonly calls: string;
  /** The tenant service's seat events, projected into cti.seats. */
  readonly seats: string;
  /** Live agent states and statistics from the acd, fanned out to the desktops. */
  readonly live: string;
}

const GROUP = /^[a-z][a-z0-9_.-]{0,99}$/;

/** `cti.calls`, `cti.seats`, `cti.live`, or the same purposes under another prefix (tests); `seats` names the seat group on its own. */
export function ctiConsumerGroups(prefix = 'cti', seats?: string): CtiConsumerGroups {
  if (!GROUP.test(prefix)) throw new Error(`consumer group prefix "${prefix}" must be lower-case letters, digits, ".", "-" or "_"`);
  if (seats !== undefined && !GROUP.test(seats)) throw new Error(`consumer group "${seats}" must be lower-case letters, digits, ".", "-" or "_"`);
  return { calls: `${prefix}.calls`, seats: seats ?? `${prefix}.seats`, live: `${prefix}.live` };
}
