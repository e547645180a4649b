import { JUDGED_LENGTH, passwordWeakness } from './password-strength';

describe('passwordWeakness (OWASP ASVS 6.2.4, 6.2.11)', () => {
  it.each([
    ['a common password', '123456789012'],
    ['a word repeated', 'passwordpassword'],
    ['a keyboard row', 'qwertyuiop123'],
    ['a repeat', 'aaaaaaaaaaaaaaaa'],
    ['a common phrase', 'iloveyou123456'],
  ])('refuses %s', async (_what, password) => {
    expect(await passwordWeakness(password, [])).toMatch(/too easy to guess/);
  });

  it('refuses the account\'s own words, which it would otherwise pass', async () => {
    const own = 'quetzaltenangorojas';
    expect(await passwordWeakness(own, [])).toBeNull();
    expect(await passwordWeakness(own, ['maria.rojas@quetzaltenango.example'])).toMatch(/too easy/);
  });

  it('judges the first 32 characters only (a long repetitive input would take seconds)', async () => {
    const strong = 'Kx9#mQ2$vL7p tamales de elote y';
    expect(strong.length).toBeLessThanOrEqual(JUDGED_LENGTH);
    expect(await passwordWeakness(strong + '1'.repeat(200 - strong.length), [])).toBeNull();
    expect(await passwordWeakness('1'.repeat(200), [])).toMatch(/too easy/);
  });

  it('judges off the event loop: other work goes on meanwhile, and judgements sent at once all answer', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const answers = await Promise.all(['1'.repeat(200), 'qwertyuiop123', 'casa verde sol 22'].map((p) => passwordWeakness(p, [])));
      expect(answers.map((a) => a === null)).toEqual([false, false, true]);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(3);
  });

  it('takes passphrases of unrelated words and random strings, without composition rules', async () => {
    for (const password of ['casa verde sol 22', 'sunflower garden path', 'Kx9#mQ2$vL7p', 'a brand new passphrase']) {
      expect(await passwordWeakness(password, ['coordinator@example.org', 'Test Coordinator'])).toBeNull();
    }
  });
});
