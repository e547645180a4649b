import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * A DTO transform: a new password as it will be hashed (form C, below), so that its length is counted on what is
 * stored: eleven accented letters typed decomposed are not twelve characters.
 */
export const composedPassword = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.normalize('NFC') : value);

@Injectable()
export class PasswordService {
  // Verified against when the email is unknown, so both answers cost the same time.
  private readonly decoy = argon2.hash('decoy password that matches nothing', ARGON2_OPTIONS);

  /**
   * Hashed in Unicode normalization form C (NIST SP 800-63B 5.1.1.2): "ñ" typed as one character or as n and a
   * combining tilde (keyboards and systems differ) is the same password.
   */
  hash(password: string): Promise<string> {
    return argon2.hash(password.normalize('NFC'), ARGON2_OPTIONS);
  }

  /**
   * The password in form C, and as typed when that differs (a hash made before passwords were normalized). Which
   * forms are tried depends on the password sent alone, so the time taken tells nothing about the account.
   */
  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      const against = hash ?? (await this.decoy);
      for (const form of new Set([password.normalize('NFC'), password])) {
        if (await argon2.verify(against, form)) return hash !== null;
      }
      return false;
    } catch {
      return false;
    }
  }
}
