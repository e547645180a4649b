/**
 * An email address as the application compares and stores it: without the invisible characters a paste or a
 * right-to-left keyboard adds (a zero-width space, a direction mark), without spaces around it, in Unicode form C
 * (é typed as one character or as e and an accent is one address), in lower case. Two spellings that read the same
 * are one account, which signs in however it is typed.
 */
export function canonicalEmail(typed: string): string {
  // Composed again after lower case: a few capitals (J with a caron) have no composed lower-case letter to keep.
  return plainEmail(typed).toLowerCase().normalize('NFC');
}

/**
 * The same, case kept: what the DTOs hand the validator. Every character Unicode says to ignore when it cannot be shown
 * (format characters, variation selectors, the combining grapheme joiner, the Hangul fillers) is dropped.
 */
export function plainEmail(typed: string): string {
  return typed.replace(/\p{Default_Ignorable_Code_Point}/gu, '').trim().normalize('NFC');
}

/** The form an older release stored an address in (trimmed, lower case): still found, for the rows it left. */
export const legacyEmail = (typed: string): string => typed.trim().toLowerCase();

/** A DTO transform: a string's plainEmail, anything else as it is (for the validator to refuse). */
export const plainEmailValue = ({ value }: { value: unknown }) => (typeof value === 'string' ? plainEmail(value) : value);
