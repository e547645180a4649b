export * from './domain/types';
export { RoutingError } from './domain/routing-error';
export type { RoutingErrorCode } from './domain/routing-error';
export { languageLabel, normalizeLanguage } from './domain/languages';
export { practiceAreaLabel } from './domain/practice-areas';
export { CONFLICT_REASON, failedFilters } from './domain/filters';
export { DEFAULT_SCORING, STATE_ONLY_CREDIT, scoreCandidate, validateScoringConfig } from './domain/score';
export type { Score } from './domain/score';
export { matchAttorneys, evaluateOverride } from './domain/match-attorneys';
export type { OverrideResult } from './domain/match-attorneys';
export {
  DEFAULT_OFFER_WINDOWS,
  MIN_OFFER_WINDOW_MS,
  MAX_OFFER_WINDOW_MS,
  offerWindow,
  resolveOfferWindows,
  respondBy,
} from './domain/offer-windows';
export * from './nest/attorneys.service';
export * from './nest/referrals.service';
export { RELEASE_REASONS, ReleaseCaseDto, type ReleaseReason } from './nest/referral.dto';
export * from './nest/routing.module';
