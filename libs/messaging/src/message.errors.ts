/** One failing field of a message: its dotted path (`payload.agentId`, `(root)` for the whole value) and why. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** A payload or envelope that does not match its topic's contract. Names the topic and every failing field. */
export class MessageValidationError extends Error {
  override readonly name = 'MessageValidationError';

  constructor(
    readonly topic: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(`invalid message for topic "${topic}": ${formatIssues(issues)}`);
  }
}

/**
 * Thrown by a handler that refuses a message for good (it will never succeed, e.g. a message
 * without a usable tenant): the bus sends it to `<topic>.dlq` at once instead of retrying it.
 */
export class MessageRejectedError extends Error {
  override readonly name = 'MessageRejectedError';
}

export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
