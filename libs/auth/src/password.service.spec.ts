import * as argon2 from 'argon2';
import { ARGON2_OPTIONS, PasswordService } from './password.service';

// The real argon2, its verify watched (a spy on the namespace would not reach the service's own binding).
jest.mock('argon2', () => {
  const actual = jest.requireActual('argon2');
  return { ...actual, verify: jest.fn(actual.verify) };
});

describe('PasswordService', () => {
  afterEach(() => jest.clearAllMocks());

  it('an unknown account (no hash) is answered after hashing against a decoy of the same cost: no timing oracle', async () => {
    const passwords = new PasswordService();
    const real = await passwords.hash('a real password of an account');
    const verify = argon2.verify as jest.MockedFunction<typeof argon2.verify>;
    await expect(passwords.verify(null, 'a guess')).resolves.toBe(false);
    await expect(passwords.verify(real, 'a guess')).resolves.toBe(false);
    expect(verify).toHaveBeenCalledTimes(2);
    const [decoy] = verify.mock.calls[0];
    expect(decoy).not.toBe(real);
    // The same algorithm and parameters as a stored hash: the same work.
    const params = (hash: string) => hash.split('$').slice(1, 4).join('$');
    expect(params(decoy)).toBe(params(real));
    expect(params(decoy)).toBe(`argon2id$v=19$m=${ARGON2_OPTIONS.memoryCost},p=${ARGON2_OPTIONS.parallelism},t=${ARGON2_OPTIONS.timeCost}`);
  });

  it('a password typed composed or decomposed (ñ as one character, or n and a tilde) is the same password', async () => {
    const passwords = new PasswordService();
    const composed = 'Contraseña del cañón 2026 azul';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    for (const [set, typed] of [[composed, decomposed], [decomposed, composed], [decomposed, decomposed]]) {
      await expect(passwords.verify(await passwords.hash(set), typed)).resolves.toBe(true);
    }
    // A hash made before passwords were normalized, of the decomposed form as typed: still signs in, either way typed.
    const old = await argon2.hash(decomposed, ARGON2_OPTIONS);
    await expect(passwords.verify(old, decomposed)).resolves.toBe(true);
    await expect(passwords.verify(await passwords.hash(composed), 'Contrasena del canon 2026 azul')).resolves.toBe(false);
    // An unknown account costs what a wrong password of a real one costs, for the same password sent.
    jest.clearAllMocks();
    const verify = argon2.verify as jest.MockedFunction<typeof argon2.verify>;
    await passwords.verify(null, decomposed);
    const unknown = verify.mock.calls.length;
    jest.clearAllMocks();
    await passwords.verify(old, `${decomposed}!`.normalize('NFD'));
    expect(verify.mock.calls.length).toBe(unknown);
  });

  it('the decoy matches nothing, not even its own password', async () => {
    await expect(new PasswordService().verify(null, 'decoy password that matches nothing')).resolves.toBe(false);
  });
});
