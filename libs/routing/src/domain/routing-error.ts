export type RoutingErrorCode =
  | 'invalid_now'
  | 'invalid_candidate'
  | 'duplicate_candidate'
  | 'invalid_scoring_config'
  | 'invalid_offer_windows'
  | 'invalid_offered_at';

/** Bad input to the routing functions: a programming or configuration error, never an ordinary "no match". */
export class RoutingError extends Error {
  constructor(
    readonly code: RoutingErrorCode,
    message: string,
    /** The offending field, e.g. `weights.load` or `offerWindows.critical`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RoutingError';
  }
}
