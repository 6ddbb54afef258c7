/** Injection tokens of the ivr service's collaborators, provided by whoever composes it (main.ts, apps/platform). */
export const IVR_CONFIG = Symbol.for('parley:ivr:config');
export const IVR_DATA_SOURCE = Symbol.for('parley:ivr:data-source');
export const IVR_UNIT_OF_WORK = Symbol.for('parley:ivr:unit-of-work');
export const IVR_EVENT_BUS = Symbol.for('parley:ivr:event-bus');
export const IVR_LOGGER = Symbol.for('parley:ivr:logger');
export const IVR_CLOCK = Symbol.for('parley:ivr:clock');
export const IVR_COUNTER_STORE = Symbol.for('parley:ivr:counter-store');
export const IVR_METRICS = Symbol.for('parley:ivr:metrics');
export const IVR_CONSUMER_GROUPS = Symbol.for('parley:ivr:consumer-groups');

/** The PostgreSQL schema the ivr service owns. */
export const IVR_SCHEMA = 'ivr';

/** The `issuedBy` of every voice command the ivr service sends. */
export const IVR_COMMAND_ISSUER = 'ivr';

export interface IvrLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export type Clock = () => Date;

/** The Kafka consumer groups of one ivr deployment (`<service>.<purpose>`). */
export interface IvrConsumerGroups {
  /** Voice events driving calls; the ivr instances share its partitions. */
  readonly callRunner: string;
  /** The tenant service's phone-number events, projected into ivr.phone_numbers. */
  readonly phoneNumbers: string;
}

/** `ivr.call-runner` and `ivr.phone-numbers`, or the same purposes under another prefix (tests). */
export function ivrConsumerGroups(prefix = 'ivr'): IvrConsumerGroups {
  if (!/^[a-z][a-z0-9_.-]{0,99}$/.test(prefix)) throw new Error(`consumer group prefix "${prefix}" must be lower-case letters, digits, ".", "-" or "_"`);
  return { callRunner: `${prefix}.call-runner`, phoneNumbers: `${prefix}.phone-numbers` };
}
