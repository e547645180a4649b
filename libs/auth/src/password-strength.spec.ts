import { JUDGED_LENGTH, passwordWeakness } from './password-strength';

describe('passwordWeakness (OWASP ASVS 6.2.4, 6.2.11)', () => {
  it.each([
    ['a common password', '123456789012'],
    ['a word repeated', 'passwordpassword'],
    ['a keyboard row', 'qwertyuiop123'],
    ['a repeat', 'aaaaaaaaaaaaaaaa'],
    ['a common phrase', 'iloveyou123456'],
  ])('refuses %s', (_what, password) => {
    expect(passwordWeakness(password, [])).toMatch(/too easy to guess/);
  });

  it('refuses the account\'s own words, which it would otherwise pass', () => {
    const own = 'quetzaltenangorojas';
    expect(passwordWeakness(own, [])).toBeNull();
    expect(passwordWeakness(own, ['maria.rojas@quetzaltenango.example'])).toMatch(/too easy/);
  });

  it('judges the first 32 characters only (a long repetitive input would stall the event loop for seconds)', () => {
    const strong = 'Kx9#mQ2$vL7p tamales de elote y';
    expect(strong.length).toBeLessThanOrEqual(JUDGED_LENGTH);
    expect(passwordWeakness(strong + '1'.repeat(200 - strong.length), [])).toBeNull();
    expect(passwordWeakness('1'.repeat(200), [])).toMatch(/too easy/);
  });

  it('takes passphrases of unrelated words and random strings, without composition rules', () => {
    for (const password of ['casa verde sol 22', 'sunflower garden path', 'Kx9#mQ2$vL7p', 'a brand new passphrase']) {
      expect(passwordWeakness(password, ['coordinator@example.org', 'Test Coordinator'])).toBeNull();
    }
  });
});
