import { RoutingError } from './routing-error';
import { OfferWindows, URGENCY_LEVELS, Urgency } from './types';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_OFFER_WINDOWS: Readonly<OfferWindows> = {
  critical: 2 * HOUR_MS,
  high: 24 * HOUR_MS,
  normal: 72 * HOUR_MS,
  low: 7 * DAY_MS,
};

// Bounds for an organization's own windows: under 15 minutes nobody can answer, and an offer held
// open for over 30 days blocks the case and the attorney's slot.
export const MIN_OFFER_WINDOW_MS = 15 * 60 * 1000;
export const MAX_OFFER_WINDOW_MS = 30 * DAY_MS;

/**
 * Merges an organization's (possibly partial) settings over the defaults and checks them: each window in
 * bounds, and a more urgent level never waits longer than a less urgent one. For the settings endpoint too.
 */
export function resolveOfferWindows(settings: Partial<OfferWindows> = {}): OfferWindows {
  const windows: OfferWindows = { ...DEFAULT_OFFER_WINDOWS };
  for (const level of URGENCY_LEVELS) {
    const value = settings[level];
    if (value === undefined) continue;
    const inBounds = Number.isInteger(value) && value >= MIN_OFFER_WINDOW_MS && value <= MAX_OFFER_WINDOW_MS;
    if (typeof value !== 'number' || !inBounds) {
      throw new RoutingError(
        'invalid_offer_windows',
        `${level} must be whole milliseconds between ${MIN_OFFER_WINDOW_MS} and ${MAX_OFFER_WINDOW_MS}`,
        `offerWindows.${level}`,
      );
    }
    windows[level] = value;
  }
  for (let i = 1; i < URGENCY_LEVELS.length; i++) {
    const [more, less] = [URGENCY_LEVELS[i - 1], URGENCY_LEVELS[i]];
    if (windows[more] > windows[less]) {
      throw new RoutingError('invalid_offer_windows', `${more} must not be longer than ${less}`, `offerWindows.${more}`);
    }
  }
  return windows;
}

/** How long an attorney has to answer an offer, in milliseconds. */
export function offerWindow(urgency: Urgency, settings?: Partial<OfferWindows>): number {
  return resolveOfferWindows(settings)[urgency];
}

/** Absolute instants: the window is elapsed time, so daylight-saving changes and time zones do not move it. */
export function respondBy(urgency: Urgency, offeredAt: Date, settings?: Partial<OfferWindows>): Date {
  if (!(offeredAt instanceof Date) || Number.isNaN(offeredAt.getTime())) {
    throw new RoutingError('invalid_offered_at', 'offeredAt must be a valid Date', 'offeredAt');
  }
  return new Date(offeredAt.getTime() + offerWindow(urgency, settings));
}
