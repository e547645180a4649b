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

  it('the decoy matches nothing, not even its own password', async () => {
    await expect(new PasswordService().verify(null, 'decoy password that matches nothing')).resolves.toBe(false);
  });
});
