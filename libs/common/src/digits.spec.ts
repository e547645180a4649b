import { asciiDigits, numberText } from './digits';

describe('asciiDigits', () => {
  it.each([
    ['(512) 555-0142', '(512) 555-0142'],
    ['\u0665\u0661\u0662 \u0665\u0665\u0665 \u0660\u0661\u0664\u0662', '512 555 0142'], // Arabic-Indic
    ['\u06f5\u06f1\u06f2\u06f5\u06f5\u06f5\u06f0\u06f1\u06f4\u06f2', '5125550142'], // Persian (Extended Arabic-Indic)
    ['A\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661', 'A987654321'],
    ['\u0966\u0967\u096f', '019'], // Devanagari
    ['\u09e7\u09e8\u09e9', '123'], // Bengali
    ['\u1041\u1049', '19'], // Myanmar
    ['\uff15\uff11\uff12', '512'], // full-width
    // Myanmar Pao digits, then Eastern Pwo Karen digits right after them (two scripts' digits in one run).
    ['\u{116DA}\u{116DB}\u{116DC}\u{116D0}\u{116D9}', '01209'],
    ['no digits', 'no digits'],
  ])('%s → %s', (input, expected) => {
    expect(asciiDigits(input)).toBe(expected);
  });
});

describe('numberText', () => {
  it('drops the invisible marks around a pasted or right-to-left number, and reads any dash and no-break space', () => {
    expect(numberText('\u202d(512) 555-0177\u202c')).toBe('(512) 555-0177');
    expect(numberText('\u200f\u0665\u0661\u0662\u2013\u0665\u0665\u0665')).toBe('512-555');
    expect(numberText('555\u20110177\u00a0ext\u202f12')).toBe('555-0177 ext 12');
    expect(numberText('A\u2212123')).toBe('A-123');
  });
});
