import { DEFAULT_OFFER_WINDOWS, offerWindow, resolveOfferWindows, respondBy } from './offer-windows';
import { Urgency } from './types';

const HOUR = 60 * 60 * 1000;
const offeredAt = new Date('2026-11-20T16:00:00Z');

describe('offer windows', () => {
  it.each<[Urgency, string]>([
    ['critical', '2026-11-20T18:00:00.000Z'],
    ['high', '2026-11-21T16:00:00.000Z'],
    ['normal', '2026-11-23T16:00:00.000Z'],
    ['low', '2026-11-27T16:00:00.000Z'],
  ])('gives a %s offer until %s by default', (urgency, expected) => {
    expect(respondBy(urgency, offeredAt).toISOString()).toBe(expected);
  });

  it('counts elapsed time across a daylight-saving change', () => {
    // US clocks fall back on 2026-11-01; 24 h later is still 24 h of wall time elapsed.
    const before = new Date('2026-10-31T12:00:00-05:00');
    expect(respondBy('high', before).getTime() - before.getTime()).toBe(24 * HOUR);
  });

  it('uses an organization’s own window and defaults for the levels it leaves unset', () => {
    const settings = { critical: 1 * HOUR };
    expect(offerWindow('critical', settings)).toBe(HOUR);
    expect(offerWindow('low', settings)).toBe(DEFAULT_OFFER_WINDOWS.low);
    expect(respondBy('critical', offeredAt, settings).toISOString()).toBe('2026-11-20T17:00:00.000Z');
  });

  it.each([
    ['too short', { critical: 60_000 }, 'offerWindows.critical'],
    ['too long', { low: 31 * 24 * HOUR }, 'offerWindows.low'],
    ['not whole ms', { high: 1.5 * HOUR + 0.5 }, 'offerWindows.high'],
    ['more urgent waits longer', { critical: 48 * HOUR }, 'offerWindows.critical'],
  ])('rejects a window that is %s', (_label, settings, field) => {
    expect(() => resolveOfferWindows(settings)).toThrow(expect.objectContaining({ code: 'invalid_offer_windows', field }));
  });

  it('rejects an invalid offeredAt', () => {
    expect(() => respondBy('normal', new Date('not a date'))).toThrow(expect.objectContaining({ code: 'invalid_offered_at' }));
  });
});
