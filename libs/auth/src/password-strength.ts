import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * zxcvbn's score a new password must reach: 3 of 4, "safely unguessable" (more than 10^10 guesses). Below it are
 * the common passwords (zxcvbn-ts's list of about 49,000, well past the 3,000 of OWASP ASVS 6.2.4), keyboard walks,
 * repeats, sequences, dates, and words of the account itself (ASVS 6.2.11).
 */
export const MIN_PASSWORD_SCORE = 3;

/**
 * Only the first characters are judged. The estimate runs on the event loop, and on long repetitive inputs it takes
 * seconds (200 digits: about 2 s), stalling every other request; a password whose first 32 characters are not easy to
 * guess is not easy to guess (the worst input of 32 costs about 0.1 s). A password change also limits how often each
 * user may be judged (`PASSWORD_CHECKS`); account creation is an admin's, who onboard volunteers by the dozen.
 */
export const JUDGED_LENGTH = 32;

/** How many new passwords one user may have judged in a window, when changing their own. */
export const PASSWORD_CHECKS = { max: 20, windowSeconds: 900 } as const;

// Built on first use (about 50 ms): most processes never set a password.
let estimator: ZxcvbnFactory | undefined;

/**
 * Why a new password is too easy to guess, or null. `context` holds the account's own words (email, name,
 * organization), which a guesser tries first; the product's name is always among them.
 */
export function passwordWeakness(password: string, context: readonly string[]): string | null {
  estimator ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: JUDGED_LENGTH });
  // Each whole (an email, a name), an email's local part, and each word of them.
  const words = ['amparo', ...context.flatMap((c) => [c, c.split('@')[0], ...c.split(/[^\p{L}\p{N}]+/u)]).filter((w) => w.length >= 3)];
  const { score } = estimator.check(password, words);
  return score >= MIN_PASSWORD_SCORE
    ? null
    : 'is too easy to guess (a common password, a pattern such as a keyboard row or a repeat, or words of the account): a passphrase of a few unrelated words works';
}
