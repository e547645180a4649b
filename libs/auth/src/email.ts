/**
 * An email address as the application compares and stores it: without the invisible characters a paste or a
 * right-to-left keyboard adds (a zero-width space, a direction mark), without spaces around it, in Unicode form C
 * (é typed as one character or as e and an accent is one address), in lower case. Two spellings that read the same
 * are one account, which signs in however it is typed.
 */
export function canonicalEmail(typed: string): string {
  return plainEmail(typed).toLowerCase();
}

/** The same, case kept: what the DTOs hand the validator. */
export function plainEmail(typed: string): string {
  return typed.replace(/\p{Cf}/gu, '').trim().normalize('NFC');
}

/**
 * A new password as it will be hashed (PasswordService.hash: form C), so that its length is counted on what is stored:
 * eleven accented letters typed decomposed are not twelve characters.
 */
export const composedValue = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.normalize('NFC') : value);

/** A DTO transform: a string's plainEmail, anything else as it is (for the validator to refuse). */
export const plainEmailValue = ({ value }: { value: unknown }) => (typeof value === 'string' ? plainEmail(value) : value);
