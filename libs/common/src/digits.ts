/** A decimal digit of any script (Arabic-Indic, Persian, Devanagari, Bengali, Burmese...). */
const ANY_DIGIT = /\p{Nd}/u;
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Text with every decimal digit written in ASCII: full-width and other compatibility forms by NFKC, and the digits of
 * other scripts by their value. A volunteer's phone keyboard in Arabic or Persian types ٥١٢ or ۵۱۲ for 512.
 */
export function asciiDigits(text: string): string {
  // Most of what is typed is ASCII already (every intake's phone, A-number and notes): nothing to do.
  if (ASCII.test(text)) return text;
  return text.normalize('NFKC').replace(/\p{Nd}/gu, (digit) => {
    const code = digit.codePointAt(0) as number;
    // A script's digits are ten code points in a row, from its zero; two scripts' may follow each other (Myanmar Pao,
    // then Eastern Pwo Karen): count back to the start of the run, by tens.
    let back = 0;
    while (ANY_DIGIT.test(String.fromCodePoint(code - back - 1))) back++;
    return String(back % 10);
  });
}

/**
 * A phone number or an A-number as pasted or typed on a phone: digits of any script read as ASCII, the invisible
 * format marks a contact list or a right-to-left keyboard wraps a number in dropped (U+202D…U+202C, a direction mark),
 * any dash or minus sign read as "-", and no-break spaces as spaces. What is stored stays as typed.
 */
export function numberText(text: string): string {
  return asciiDigits(text)
    .replace(/\p{Cf}/gu, '')
    .replace(/[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g, '-')
    .replace(/[\u00a0\u2007\u202f]/g, ' ');
}
