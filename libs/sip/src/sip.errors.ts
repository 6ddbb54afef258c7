import type { SipMessage } from './sip-message';

/** Why a SIP message (or one of its headers, or a URI) could not be parsed. */
export type SipParseErrorCode =
  | 'empty'
  | 'bad-start-line'
  | 'unsupported-version'
  | 'bad-header'
  | 'bad-header-value'
  | 'missing-header'
  | 'truncated'
  | 'bad-content-length'
  | 'too-large'
  | 'bad-uri';

/**
 * Malformed SIP input. The only error the parser and the header/URI accessors throw. `partial`
 * holds what was parsed when the start line and headers were readable (enough, perhaps, to answer
 * `400 Bad Request`: see `canBuildBadRequest`).
 */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';

  constructor(
    readonly code: SipParseErrorCode,
    readonly reason: string,
    readonly header?: string,
    readonly partial?: SipMessage,
  ) {
    super(header ? `${reason} (${header})` : reason);
  }

  /** The same error, with the partly parsed message attached. */
  withPartial(partial: SipMessage): SipParseError {
    return new SipParseError(this.code, this.reason, this.header, partial);
  }
}

/** Thrown when a message cannot be built or sent as asked (bad arguments, no route, closed stack). */
export class SipStackError extends Error {
  override readonly name = 'SipStackError';
}
