import { randomInt } from 'node:crypto';

// No 0/O, 1/I/L or U: read aloud over a bad phone line, a reference must survive.
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A short human-friendly case reference, e.g. "AMP-7KQ3XH". Random, so it reveals nothing about volume or order. */
export function newCaseReference(): string {
  let code = '';
  for (let i = 0; i < 6; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `AMP-${code}`;
}
