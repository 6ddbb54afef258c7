/** Injection tokens of the acd service's collaborators, provided by whoever composes it (main.ts, apps/platform). */
export const ACD_CONFIG = Symbol.for('parley:acd:config');
export const ACD_DATA_SOURCE = Symbol.for('parley:acd:data-source');
export const ACD_UNIT_OF_WORK = Symbol.for('parley:acd:unit-of-work');
export const ACD_EVENT_BUS = Symbol.for('parley:acd:event-bus');
export const ACD_LOGGER = Symbol.for('parley:acd:logger');
export const ACD_METRICS = Symbol.for('parley:acd:metrics');
export const ACD_CONSUMER_GROUPS = Symbol.for('parley:acd:consumer-groups');
export const ACD_REALTIME = Symbol.for('parley:acd:realtime');
export const ACD_INSTANCE = Symbol.for('parley:acd:instance');

/** The PostgreSQL schema the acd service owns. */
export const ACD_SCHEMA = 'acd';

/** The `issuedBy` of every voice command the acd service sends. */
export const ACD_COMMAND_ISSUER = 'acd';

export interface AcdLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** The Kafka consumer groups of one acd deployment (`<service>.<purpose>`). */
export interface AcdConsumerGroups {
  /** Routed calls and the voice events of their calls; the acd instances share its partitions. */
  readonly routing: string;
  /** The tenant service's seat and user events, projected into acd.agents. */
  readonly seats: string;
}

const GROUP = /^[a-z][a-z0-9_.-]{0,99}$/;

/**
 * `acd.routing` and `acd.seats`, or the same purposes under another prefix (tests, benchmarks);
 * `seats` names the seat projection's group on its own (tests share one across runs, so a fresh
 * test database does not replay the broker's whole seat history).
 */
export function acdConsumerGroups(prefix = 'acd', seats?: string): AcdConsumerGroups {
  if (!GROUP.test(prefix)) throw new Error(`consumer group prefix "${prefix}" must be lower-case letters, digits, ".", "-" or "_"`);
  if (seats !== undefined && !GROUP.test(seats)) throw new Error(`consumer group "${seats}" must be lower-case letters, digits, ".", "-" or "_"`);
  return { routing: `${prefix}.routing`, seats: seats ?? `${prefix}.seats` };
}
