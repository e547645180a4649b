import { TEMPORARY_PASSWORD_HOURS, temporaryPasswordExpired, temporaryPasswordExpiry } from './temporary-password';

describe('temporary passwords', () => {
  const now = new Date('2026-11-27T12:00:00Z');

  it('expire the given number of hours after they are made', () => {
    expect(TEMPORARY_PASSWORD_HOURS).toBe(72);
    expect(temporaryPasswordExpiry(now).toISOString()).toBe('2026-11-30T12:00:00.000Z');
  });

  it('have expired from their expiry on; a password of the user\'s own (no expiry) never does', () => {
    const expiry = temporaryPasswordExpiry(now);
    expect(temporaryPasswordExpired(expiry, new Date(expiry.getTime() - 1))).toBe(false);
    expect(temporaryPasswordExpired(expiry, expiry)).toBe(true);
    expect(temporaryPasswordExpired(null, new Date('2100-01-01T00:00:00Z'))).toBe(false);
  });
});
