// Typed errors with stable codes. Messages never carry key material, plaintext or ciphertext bytes.

export type CryptoIntegrityCode = 'CRYPTO_INTEGRITY' | 'CRYPTO_UNKNOWN_KEY';

/** A ciphertext or wrapped key that cannot be authenticated: wrong key, wrong place (AAD), tampered or truncated. */
export class CryptoIntegrityError extends Error {
  readonly code: CryptoIntegrityCode = 'CRYPTO_INTEGRITY';

  constructor(reason: string) {
    super(`Encrypted value rejected: ${reason}`);
    this.name = 'CryptoIntegrityError';
  }
}

/**
 * The value names a key id the keyring does not hold (a KEK retired too early, or a tampered header).
 * A subclass so `instanceof CryptoIntegrityError` still catches every decrypt failure; the code tells them apart.
 */
export class UnknownKeyError extends CryptoIntegrityError {
  override readonly code = 'CRYPTO_UNKNOWN_KEY';

  constructor(readonly keyId: string) {
    super(`key "${keyId}" is not in the keyring`);
    this.name = 'UnknownKeyError';
  }
}

export type KeyConfigCode = 'KEY_CONFIG_MISSING' | 'KEY_CONFIG_MALFORMED';

/** Missing or malformed key configuration. Names the variable, never echoes its value. */
export class KeyConfigError extends Error {
  constructor(
    readonly code: KeyConfigCode,
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable} ${detail}`);
    this.name = 'KeyConfigError';
  }
}
