import fc from 'fast-check';
import { normalizeANumber, normalizeNameDob, normalizeNameShortDob, normalizeNameTokensDob, normalizePersonName, normalizePhone } from './normalize';

describe('normalizeANumber', () => {
  it.each([
    ['A123-456-789', '123456789'],
    ['a123456789', '123456789'],
    ['123456789', '123456789'],
    ['A 12345678', '012345678'],
    ['A-012-345-678', '012345678'],
    ['A# 1234567', '001234567'],
    ['  A１２３４５６７８９ ', '123456789'], // full-width digits from a phone keyboard
    ['A\u0661\u0662\u0663-\u0664\u0665\u0666-\u0667\u0668\u0669', '123456789'], // Arabic-Indic digits
    ['123.456.789', '123456789'],
  ])('%p → %p', (input, expected) => {
    expect(normalizeANumber(input)).toBe(expected);
  });

  it.each(['', 'A', '12345', '1234567890', 'A000000000', '00000000', 'B123456789', 'A12345678X', '12-34-56-78-9x', 'AA123456789'])(
    'rejects %p',
    (input) => {
      expect(normalizeANumber(input)).toBeNull();
    },
  );

  it('is idempotent and always 9 digits', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^A?[- ]?\d{3}-?\d{3}-?\d{2,3}$/)), (input) => {
        const once = normalizeANumber(input);
        if (once === null) return;
        expect(once).toMatch(/^\d{9}$/);
        expect(normalizeANumber(once)).toBe(once);
      }),
    );
  });
});

describe('normalizePhone', () => {
  it.each([
    ['(512) 555-0123', '+15125550123'],
    ['(\u06f5\u06f1\u06f2) \u06f5\u06f5\u06f5-\u06f0\u06f1\u06f2\u06f3', '+15125550123'], // Persian digits
    ['512.555.0123', '+15125550123'],
    ['1-512-555-0123', '+15125550123'],
    ['+1 512 555 0123', '+15125550123'],
    ['512-555-0123 ext. 42', '+15125550123'],
    ['+52 55 5555 0123', '+525555550123'], // Mexico City
    ['011 52 55 5555 0123', '+525555550123'],
    ['00 502 5555 0123', '+50255550123'], // Guatemala
    ['＋１ ５１２ ５５５ ０１２３', '+15125550123'],
  ])('%p → %p', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each([
    '',
    '555-0123', // no area code
    '5555 0123', // national number of another country (Guatemala), no country code
    '(012) 555-0123', // NANP area code cannot start with 0 or 1
    '(512) 155-0123', // nor the exchange
    '+1 512 555 012', // too short for +1
    '+0 123 456 789',
    '+1234567890123456', // longer than E.164
    'call me',
    '512+555+0123',
  ])('rejects %p', (input) => {
    expect(normalizePhone(input)).toBeNull();
  });

  it('reads any 10-digit number without a country code as North American (documented limit)', () => {
    expect(normalizePhone('55 5555 0123')).toBe('+15555550123'); // a Mexican number needs +52 / 011 52
  });

  it('is idempotent and E.164 shaped', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9 ()-]{7,20}$/)), (input) => {
        const once = normalizePhone(input);
        if (once === null) return;
        expect(once).toMatch(/^\+[1-9]\d{6,14}$/);
        expect(normalizePhone(once)).toBe(once);
      }),
    );
  });
});

describe('normalizePersonName / normalizeNameDob', () => {
  it.each([
    ['Peña', 'pena'],
    ['  GARCÍA-LÓPEZ ', 'garcia lopez'],
    ['García   López', 'garcia lopez'],
    ["O'Brien", 'obrien'],
    ['O’Brien', 'obrien'],
    ['O´Brien', 'obrien'], // an acute accent typed for an apostrophe
    ['D＇Angelo', 'dangelo'], // a full-width one
    ['Strauß', 'strauss'],
    ['Łucja Ørsted', 'lucja orsted'],
    ['İlhan', 'ilhan'],
    ['Nguyễn Thị', 'nguyen thi'],
    ['St. John', 'st john'],
    ['ｆｕｌｌ　ｗｉｄｔｈ', 'full width'],
    ['محمد', 'محمد'], // other scripts keep their letters
    ['مُحَمَّد', 'محمد'], // Arabic vowel points are accents, often left out
    ['Σοφία', 'σοφια'],
    ['Йосиф', 'иосиф'],
    ['राम शर्मा', 'राम शर्मा'], // a Devanagari vowel sign or virama is a letter of the name
    ['कमला', 'कमला'],
    ['がく', 'がく'.normalize('NFKD')], // NFKD splits the voicing mark off: kept
    // Invisible characters pasted inside a name are not a break between words (nor part of it).
    ['Dolo\u200bres Ejem\u00adplar', 'dolores ejemplar'],
    ['Wil\u00adner Jean\u2060-Baptiste\u200e', 'wilner jean baptiste'],
    ['محـــمد', 'محمد'], // a tatweel only stretches the word
    // The same Arabic-script letters, from a Persian or an Arabic keyboard.
    ['علی حسینی', 'علي حسيني'],
    ['کمال', 'كمال'],
    ['مصطفى', 'مصطفي'],
    ['فاطمة', 'فاطمه'],
    ['فاطمہ', 'فاطمه'], // Urdu's heh goal
    ['علیﹱ', 'علي'], // a presentation-form tatweel (with a vowel mark), as a PDF may hold it
  ])('%p → %p', (input, expected) => {
    expect(normalizePersonName(input)).toBe(expected);
  });

  it('keeps apart names of other scripts that differ by a mark that is a letter there', () => {
    expect(normalizePersonName('राम शर्मा')).not.toBe(normalizePersonName('रीमा शर्मा'));
    expect(normalizePersonName('கமல்')).not.toBe(normalizePersonName('கமலா'));
    expect(normalizePersonName('がく')).not.toBe(normalizePersonName('かく'));
  });

  it('returns null for names with no letters', () => {
    expect(normalizePersonName('\u0301\u093f')).toBeNull();
    expect(normalizePersonName(' - . ')).toBeNull();
    expect(normalizePersonName('')).toBeNull();
    expect(normalizePersonName(undefined)).toBeNull();
  });

  it('joins last|first|dob and needs the last name and a real date', () => {
    expect(normalizeNameDob('José Luis', 'Ramírez', '1990-04-02')).toBe('ramirez|jose luis|1990-04-02');
    expect(normalizeNameDob(undefined, 'Ramírez', '1990-04-02')).toBe('ramirez||1990-04-02');
    expect(normalizeNameDob('José', undefined, '1990-04-02')).toBeNull();
    expect(normalizeNameDob('José', 'Ramírez', undefined)).toBeNull();
    expect(normalizeNameDob('José', 'Ramírez', '1990-02-30')).toBeNull();
    expect(normalizeNameDob('José', 'Ramírez', '02/04/1990')).toBeNull();
    expect(normalizeNameDob('José', 'Ramírez', '2000-02-29')).toBe('ramirez|jose|2000-02-29');
    expect(normalizeNameDob('José', 'Ramírez', '1900-02-29')).toBeNull();
  });

  it('joins the names\' words, sorted, with the date: the same person whatever the order or split of the names', () => {
    const one = normalizeNameTokensDob('María José', 'Núñez García', '1990-04-02');
    expect(one).toBe('garcia jose maria nunez|1990-04-02');
    for (const [first, last] of [['Núñez García', 'María José'], ['María', 'José Núñez-García'], [undefined, 'NUÑEZ GARCIA MARIA JOSE']]) {
      expect(normalizeNameTokensDob(first, last, '1990-04-02')).toBe(one);
    }
    expect(normalizeNameTokensDob('小龍', '李', '1990-04-02')).toBe(normalizeNameTokensDob('李', '小龍', '1990-04-02'));
    expect(normalizeNameTokensDob('Ana', undefined, '1990-04-02')).toBe('ana|1990-04-02'); // a mononym
    expect(normalizeNameTokensDob('María José', 'Núñez García', '1990-04-03')).not.toBe(one);
    expect(normalizeNameTokensDob('María', 'Núñez García', '1990-04-02')).not.toBe(one);
    expect(normalizeNameTokensDob(' - ', undefined, '1990-04-02')).toBeNull();
    expect(normalizeNameTokensDob('Ana', 'Ruiz', '1990-02-30')).toBeNull();
  });

  it('keeps the first given name and the first surname that is not a particle, with the date: a name typed shorter', () => {
    const one = normalizeNameShortDob('María José', 'Núñez García', '1990-04-02');
    expect(one).toBe('maria|nunez|1990-04-02');
    for (const [first, last] of [['María', 'Núñez'], ['MARIA JOSE', 'nunez'], ['María', 'Núñez-García'], ['María', 'de Núñez'], ['María', 'de la Núñez y García']]) {
      expect([first, last, normalizeNameShortDob(first, last, '1990-04-02')]).toEqual([first, last, one]);
    }
    expect(normalizeNameShortDob('José', 'Núñez García', '1990-04-02')).not.toBe(one);
    expect(normalizeNameShortDob('María', 'García', '1990-04-02')).not.toBe(one);
    expect(normalizeNameShortDob('María', 'Núñez', '1990-04-03')).not.toBe(one);
    // Both names and a real date, and a surname that is more than particles.
    expect(normalizeNameShortDob('Ana', undefined, '1990-04-02')).toBeNull();
    expect(normalizeNameShortDob(undefined, 'Ruiz', '1990-04-02')).toBeNull();
    expect(normalizeNameShortDob('Ana', 'de la', '1990-04-02')).toBeNull();
    expect(normalizeNameShortDob('Ana', 'Ruiz', '1990-02-30')).toBeNull();
    // Its own output, split at the bars, gives it again (the blind index's check of a normalized value).
    const [first, last, dob] = one!.split('|');
    expect(normalizeNameShortDob(first, last, dob)).toBe(one);
    // A mark typed apart (a vowel sign between spaces) is not a word of the name.
    expect(normalizeNameShortDob('Ana', '\u093f Ruiz', '1990-04-02')).toBe('ana|ruiz|1990-04-02');
    expect(normalizeNameShortDob('\u0e31 Ana', 'de \u0e31 Ruiz', '1990-04-02')).toBe('ana|ruiz|1990-04-02');
  });

  it('passes over words that tell nobody apart, and joins Abd or Abu with the name after it', () => {
    const dob = '1990-01-01';
    // Two Nguyễn women, two Trần men, two Singh Sandhu/Gill, two Md.s, two Abd al-s: not one person each.
    for (const [a, b] of [
      [['Thị Mai', 'Nguyễn'], ['Thị Lan', 'Nguyễn']],
      [['Văn Minh', 'Trần'], ['Văn Hùng', 'Trần']],
      [['Harpreet', 'Singh Sandhu'], ['Harpreet', 'Singh Gill']],
      [['Harpreet', 'Kaur Sandhu'], ['Harpreet', 'Kaur Gill']],
      [['Md. Rahim', 'Uddin'], ['Md. Karim', 'Uddin']],
      [['Mohammed', 'Abd al-Aziz'], ['Mohammed', 'Abd al-Rahman']],
    ]) {
      expect([a, b, normalizeNameShortDob(a[0], a[1], dob) === normalizeNameShortDob(b[0], b[1], dob)]).toEqual([a, b, false]);
    }
    // The same person typed shorter still is.
    expect(normalizeNameShortDob('Thị Mai', 'Nguyễn', dob)).toBe(normalizeNameShortDob('Thi Mai Anh', 'Nguyen', dob));
    expect(normalizeNameShortDob('Harpreet', 'Singh Sandhu', dob)).toBe(normalizeNameShortDob('Harpreet Kaur', 'Sandhu', dob));
    expect(normalizeNameShortDob('Mohammed', 'Abd al-Aziz', dob)).toBe('mohammed|abdaziz|1990-01-01');
    // Alone, such a word is the name.
    expect(normalizeNameShortDob('Thi', 'Singh', dob)).toBe('thi|singh|1990-01-01');
  });

  it('drops the apostrophes and invisible code points phones type inside a name, and reads FNU/LNU as no name', () => {
    for (const typed of ['Tuʻilagi', 'Tuʼilagi', 'Tu′ilagi', 'Tu‛ilagi', 'Tuꞌilagi', 'TuꞋilagi', "Tu'ilagi"]) {
      expect([typed, normalizePersonName(typed)]).toEqual([typed, 'tuilagi']);
    }
    expect(normalizePersonName('ʿAbd')).toBe('abd');
    // A Greek surname typed in capitals, or as it ends a word: one sigma.
    expect(normalizePersonName('ΠΑΠΑΔΟΠΟΥΛΟΣ')).toBe(normalizePersonName('Παπαδόπουλος'));
    expect(normalizePersonName('María \u2764\ufe0f López')).toBe('maria lopez');
    expect(normalizePersonName('Lo\u3164pez')).toBe('lopez');
    expect(normalizeNameDob('FNU', 'Ixchel', '1990-04-02')).toBe(normalizeNameDob(null, 'Ixchel', '1990-04-02'));
    expect(normalizeNameTokensDob('FNU', 'Ixchel', '1990-04-02')).toBe(normalizeNameTokensDob(null, 'Ixchel', '1990-04-02'));
    expect(normalizeNameTokensDob('Ixchel', 'LNU', '1990-04-02')).toBe(normalizeNameTokensDob(null, 'Ixchel', '1990-04-02'));
    expect(normalizeNameDob('Ixchel', 'LNU', '1990-04-02')).toBeNull();
    expect(normalizeNameShortDob('FNU', 'Ixchel', '1990-04-02')).toBeNull();
    // A placeholder among a name's words is none of them, so the key reads the same from its own parts (a blind index
    // refuses a value that does not: the intake was a 500).
    expect(normalizeNameShortDob('Ana', 'FNU Ruiz', '1990-04-02')).toBe('ana|ruiz|1990-04-02');
    expect(normalizeNameShortDob('LNU Ana', 'Ruiz', '1990-04-02')).toBe('ana|ruiz|1990-04-02');
  });

  it('gives back a value it takes again, for any name mixing letters, marks, particles and spaces', () => {
    const pieces = ['Ana', 'de', 'la', 'Ruiz', 'म', '\u093f', '\u0e31', '\u0301', ' ', '-', "'", 'Thi', 'Singh', 'Abd', 'al', 'FNU', 'ʻ'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 8 }), fc.array(fc.constantFrom(...pieces), { maxLength: 8 }), (a, b) => {
        const value = normalizeNameShortDob(a.join(''), b.join(''), '1990-04-02');
        if (value === null) return;
        const [first, last, dob] = value.split('|');
        expect(normalizeNameShortDob(first, last, dob)).toBe(value);
      }),
    );
  });

  it('is idempotent on names mixing letters and marks of many scripts with apostrophes and spaces between them', () => {
    // Kept marks on either side of a removed apostrophe or accent come out of canonical order unless reordered.
    const pieces = ['a', 'R', 'म', 'र', 'ก', 'か', 'ܝ', 'م', 'ש', 'ö', "'", '’', ' ', '-', '\u0951', '\u093c', '\u094d', '\u0f72', '\u034f',
      '\u3099', '\u0301', '\u0327', '\u05b8', '\u064e', '\u0733', '\u08f0', '\u20dd', '\u0e34', '\u0bcd', '\u0130',
      '\u200b', '\u00ad', '\u200c', '\u0640', '\u06cc', '\u06a9', '\u0629', '\ufbfc', '\ufe71', '\ufcf2', '\u06c1', '\u06d2'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
        const name = normalizePersonName(parts.join(''));
        if (name === null) return;
        expect(normalizePersonName(name)).toBe(name);
        expect(name).not.toMatch(/[|'’]|^ | $| {2}/);
      }),
      { numRuns: 3000 },
    );
    expect(normalizePersonName("Ra\u0951'\u093cm")).toBe(normalizePersonName(normalizePersonName("Ra\u0951'\u093cm")));
    expect(normalizePersonName('ܝܘܚܢܢ')).toBe(normalizePersonName('ܝܘܿܚܲܢܵܢ')); // Syriac vowel points are accents
  });

  it('never lets a separator into a name (the joined form stays unambiguous)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const name = normalizePersonName(text);
        if (name === null) return;
        expect(name).not.toMatch(/[|]|^ | $| {2}/);
        expect(name).toBe(name.toLowerCase());
        expect(normalizePersonName(name)).toBe(name);
      }),
    );
  });
});

describe('normalizePersonName over every character of the Basic Multilingual Plane', () => {
  it('is idempotent for each character alone and between letters (a blind index refuses a value that is not)', () => {
    for (let code = 0x20; code <= 0xffff; code += 1) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCharCode(code);
      for (const text of [c, `a${c}b`, `ع${c}ل`]) {
        const name = normalizePersonName(text);
        if (name !== null && normalizePersonName(name) !== name) throw new Error(`not idempotent for U+${code.toString(16)} in ${JSON.stringify(text)}`);
      }
    }
  });
});
