import { ReferenceDataError } from './errors';
import { FACILITY_COLUMNS, parseFacilitiesCsv } from './facilities';

const HEADER = FACILITY_COLUMNS.join(',');
// Invented facilities; real codes and names are only used in reference-data.spec.ts.
const ROW_A =
  'TSTAAAA,TEST COUNTY JAIL,1 MAIN ST,SPRINGVILLE,EL PASO,TX,79901,ELP,IGSA,IGSA,120,9/14/2007,11/4/2017,TRUE';
const ROW_B = 'TSTBBBB,TEST HOLD ROOM,,HARBOR CITY,BROWARD,FL,33301,MIA,Other,HOLD,,,,';

const csv = (...lines: string[]) => lines.join('\n') + '\n';

function thrown(run: () => unknown): ReferenceDataError {
  try {
    run();
  } catch (error) {
    return error as ReferenceDataError;
  }
  throw new Error('expected a ReferenceDataError');
}

describe('parseFacilitiesCsv', () => {
  it('skips rows of empty cells or spaces, as a spreadsheet leaves them below its data, and still numbers lines right', () => {
    const { records, errors } = parseFacilitiesCsv(csv(HEADER, ROW_A, ',,,,,,,,,,,,,', '   ', ROW_B, ',,,,'));
    expect(errors).toEqual([]);
    expect(records).toHaveLength(2);
    const broken = parseFacilitiesCsv(csv(HEADER, ',,,,,,,,,,,,,', 'X,Y'));
    expect(broken.errors.map((e) => [e.line, e.code])).toEqual([[3, 'row_length']]);
  });

  it('rejects a code the API would refuse, and a field with a NUL; a capacity beyond an integer is a warning, stored empty', () => {
    const badCode = ROW_A.replace('TSTAAAA', 'AB-RD NWA');
    const nul = ROW_B.replace('TEST HOLD ROOM', 'TEST\u0000HOLD');
    const huge = ROW_B.replace('HOLD,,,,', 'HOLD,99999999999,,,');
    const { records, errors, warnings } = parseFacilitiesCsv(csv(HEADER, badCode, nul, huge));
    expect(errors.map((e) => [e.line, e.code, e.column])).toEqual([[2, 'invalid_code', 'detloc'], [3, 'invalid_text', undefined]]);
    expect(records.map((r) => [r.code, r.capacity])).toEqual([['TSTBBBB', null]]);
    expect(warnings.map((w) => [w.line, w.code, w.column])).toEqual([[4, 'invalid_number', 'capacity']]);
    expect(parseFacilitiesCsv(csv(HEADER, ROW_A.replace(',120,', ',2147483647,'))).records[0].capacity).toBe(2147483647);
  });

  it('a row with a place and no state takes the state of its ZIP\'s other facilities, or says it is placed by its field office', () => {
    const guam = 'TSTGUAM,TEST GUAM JAIL,1 MARINE DR,HAGATNA,GUAM,GU,96910,SFR,IGSA,IGSA,,,,';
    const noState = 'TSTNOST,TEST GUAM HOLD,2 MARINE DR,TAMUNING,,,96913,SFR,Other,HOLD,,,,';
    const elsewhere = 'TSTELSE,TEST HOLD ROOM,3 ANY ST,NOWHERE,,,99999,SFR,Other,HOLD,,,,';
    const transport = 'TSTMOVE,TEST TRANSPORT,,,,,,SFR,Other,HOLD,,,,';
    const { records, warnings } = parseFacilitiesCsv(csv(HEADER, guam, noState, elsewhere, transport));
    expect(records.map((r) => [r.code, r.state])).toEqual([['TSTGUAM', 'GU'], ['TSTNOST', 'GU'], ['TSTELSE', null], ['TSTMOVE', null]]);
    expect(warnings.map((w) => [w.line, w.code])).toEqual([[3, 'state_from_zip'], [4, 'zone_uncertain']]);
    expect(warnings[1].message).toMatch(/field office SFR \(America\/Los_Angeles\)/);
  });

  it('says when a state split between zones is placed without its county', () => {
    const blank = 'TSTBLNK,TEST HOLD ROOM,1 MAIN ST,SPRINGVILLE,,TX,79901,ELP,Other,HOLD,,,,';
    const city = 'TSTCITY,TEST HOLD ROOM,1 MAIN ST,NASHVILLE,NASHVILLE,TN,37201,NOL,Other,HOLD,,,,';
    const { warnings } = parseFacilitiesCsv(csv(HEADER, ROW_A, ROW_B, blank, city));
    expect(warnings.map((w) => [w.line, w.code, w.message])).toEqual([
      [4, 'zone_uncertain', 'TX is split between time zones and the county is empty: placed in America/Chicago'],
      [5, 'zone_uncertain', 'TN is split between time zones and the county "NASHVILLE" is not one it knows: placed in America/New_York'],
    ]);
  });

  it('reads a row into typed fields', () => {
    const { records, errors, warnings } = parseFacilitiesCsv(csv(HEADER, ROW_A, ROW_B));
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(records[0]).toEqual({
      code: 'TSTAAAA',
      name: 'TEST COUNTY JAIL',
      address: '1 MAIN ST',
      city: 'SPRINGVILLE',
      county: 'EL PASO',
      state: 'TX',
      zip: '79901',
      aor: 'ELP',
      type: 'IGSA',
      typeDetailed: 'IGSA',
      capacity: 120,
      firstUsed: '2007-09-14',
      lastUsed: '2017-11-04',
      over72: true,
    });
    expect(records[1]).toMatchObject({ address: null, capacity: null, firstUsed: null, lastUsed: null, over72: null });
  });

  describe('header', () => {
    it('names the missing column in a typed error', () => {
      const header = FACILITY_COLUMNS.filter((c) => c !== 'county').join(',');
      const error = thrown(() => parseFacilitiesCsv(csv(header, 'X,Y,,,,TX,,ELP,IGSA,,,,,')));
      expect(error).toBeInstanceOf(ReferenceDataError);
      expect(error.code).toBe('REFERENCE_MISSING_COLUMN');
      expect(error.subject).toBe('county');
      expect(error.message).toContain('"county"');
    });

    it('accepts a newer file with extra trailing columns, and reordered columns', () => {
      const extra = parseFacilitiesCsv(csv(`${HEADER},latitude,longitude`, `${ROW_A},31.76,-106.49`));
      expect(extra.errors).toEqual([]);
      expect(extra.records[0]).toMatchObject({ code: 'TSTAAAA', over72: true });

      const [first, ...rest] = FACILITY_COLUMNS;
      const [code, ...others] = ROW_A.split(',');
      const reordered = parseFacilitiesCsv(csv([...rest, first].join(','), [...others, code].join(',')));
      expect(reordered.records[0]).toMatchObject({ code: 'TSTAAAA', name: 'TEST COUNTY JAIL' });
    });

    it('accepts a BOM and header names in another case', () => {
      const { records } = parseFacilitiesCsv(csv(`\uFEFF${HEADER.toUpperCase()}`, ROW_A));
      expect(records).toHaveLength(1);
    });

    it('rejects an empty file and broken quoting as typed errors', () => {
      expect(thrown(() => parseFacilitiesCsv('')).code).toBe('REFERENCE_EMPTY_FILE');
      expect(thrown(() => parseFacilitiesCsv(csv(HEADER, 'TSTC,"BROKEN,,,,TX'))).code).toBe('REFERENCE_MALFORMED_CSV');
    });
  });

  describe('bad rows', () => {
    it('reports a short row, a missing code and a duplicate code with their lines, and keeps the good rows', () => {
      const text = csv(
        HEADER,
        ROW_A, // line 2
        'TSTSHORT,ONLY FOUR,FIELDS,HERE', // line 3
        ROW_B.replace('TSTBBBB', ''), // line 4
        ROW_A.replace('TEST COUNTY JAIL', 'SAME CODE AGAIN'), // line 5
        ROW_B, // line 6
      );
      const { records, errors } = parseFacilitiesCsv(text);
      expect(records.map((r) => r.code)).toEqual(['TSTAAAA', 'TSTBBBB']);
      expect(errors).toEqual([
        expect.objectContaining({ line: 3, code: 'row_length', message: expect.stringContaining('found 4') }),
        expect.objectContaining({ line: 4, code: 'required', column: 'detloc' }),
        expect.objectContaining({ line: 5, code: 'duplicate_code', message: expect.stringContaining('line 2') }),
      ]);
    });

    it('counts lines from the start of a row even after blank lines and quoted line breaks', () => {
      const multiline = 'TSTMULTI,"TWO-LINE\nNAME",,,,TX,,ELP,IGSA,,,,,';
      const text = csv(HEADER, multiline, '', 'TSTSHORT,X');
      const { records, errors } = parseFacilitiesCsv(text);
      expect(records[0].name).toBe('TWO-LINE\nNAME');
      expect(errors).toEqual([expect.objectContaining({ line: 5, code: 'row_length' })]);
    });

    it('keeps a row with a bad value, sets the value to null and warns with the line', () => {
      const bad = 'TSTDDDD,TEST JAIL,,,ORANGE,NY,12345,NYC,IGSA,IGSA,about 40,13/45/2010,11/4/17,MAYBE';
      const { records, errors, warnings } = parseFacilitiesCsv(csv(HEADER, ROW_A, bad));
      expect(errors).toEqual([]);
      expect(records[1]).toMatchObject({ capacity: null, firstUsed: null, lastUsed: '2017-11-04', over72: null });
      expect(warnings.map((w) => [w.line, w.code, w.column])).toEqual([
        [3, 'invalid_number', 'capacity'],
        [3, 'invalid_date', 'date_of_first_use'],
        [3, 'invalid_boolean', 'over_72'],
      ]);
    });

    it('drops a placeholder county and a bad zip with a warning', () => {
      const row = 'TSTEEEE,TEST JAIL,,SOMEWHERE,COUNTY,CO,123456,DEN,IGSA,IGSA,,,,';
      const { records, warnings } = parseFacilitiesCsv(csv(HEADER, row));
      expect(records[0]).toMatchObject({ county: null, state: 'CO', zip: null });
      expect(warnings.map((w) => w.code)).toEqual(['placeholder', 'invalid_zip']);
    });

    it('reads a state spelled out; refuses one it cannot read rather than place it by its field office (hours off for Guam)', () => {
      const guam = 'TSTGUAM,TEST HOLD,,HAGATNA,,Guam,96910,SFR,Other,HOLD,,,,FALSE';
      const alaska = 'TSTALSK,TEST HOLD,,ANCHORAGE,,alaska,99501,SEA,Other,HOLD,,,,FALSE';
      const unread = 'TSTXXXX,TEST JAIL,,SOMEWHERE,COUNTY,XX,12345,DEN,IGSA,IGSA,,,,';
      const { records, errors } = parseFacilitiesCsv(csv(HEADER, guam, alaska, unread));
      expect(records.map((r) => [r.code, r.state])).toEqual([['TSTGUAM', 'GU'], ['TSTALSK', 'AK']]);
      expect(errors).toEqual([expect.objectContaining({ line: 4, code: 'invalid_state', column: 'state' })]);
    });

    it('restores the leading zero of a 4-digit zip', () => {
      const row = 'TSTFFFF,TEST HOLD,,LAUREL,BURLINGTON,NJ,8054,NEW,Other,HOLD,,,,FALSE';
      expect(parseFacilitiesCsv(csv(HEADER, row)).records[0].zip).toBe('08054');
    });

    it('keeps a row with no state when its field office places it, rejects it otherwise', () => {
      const placed = 'TSTTRAN,TEST TRANSPORT,,,,,,SNA,Other,TRANSPORT,,,,FALSE';
      const lost = 'TSTLOST,TEST TRANSPORT,,,,,,QQQ,Other,TRANSPORT,,,,FALSE';
      const { records, errors } = parseFacilitiesCsv(csv(HEADER, placed, lost));
      expect(records.map((r) => [r.code, r.state])).toEqual([['TSTTRAN', null]]);
      expect(errors).toEqual([expect.objectContaining({ line: 3, code: 'invalid_state' })]);
    });
  });
});
