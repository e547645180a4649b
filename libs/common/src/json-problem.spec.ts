import fc from 'fast-check';
import { jsonProblem } from './json-problem';

/** What the API's parser takes: JSON whose top is an object or an array. */
const takes = (text: string) => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
};

describe('jsonProblem', () => {
  it('finds nothing wrong with JSON', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {"c": {}}} ', '[[[]]]', '{"a":"“quoted”"}']) {
      expect([text, jsonProblem(text)]).toEqual([text, null]);
    }
  });

  it('agrees with JSON.parse on what is JSON (an object or array at the top)', () => {
    const texts = ['{"a":1,}', '{"a":01}', '{"a":1.}', '{"a":tru}', '{"a" 1}', '{a:1}', '[1 2]', '{"a":"\\x"}', '{"a":"\u0001"}', '{"a":1}}', '{"a":[1,]}', '{', '[', '{"a":', '{"a":-}', '{"a":1e}', '{"a":"b\\u12"}'];
    for (const text of texts) {
      expect(() => JSON.parse(text)).toThrow();
      expect([text, jsonProblem(text)]).toEqual([text, expect.objectContaining({ line: expect.any(Number) })]);
    }
  });

  it('finds a fault exactly when the parser does, in JSON texts with a character put in, taken out or changed', () => {
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '"', '}', ']', '{', '[', ':', ' ', '\\', '\n', '“', "'", '0', '-', 'e', '.', 't'), fc.boolean())
      .map(([text, at, put, replace]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, i) + put + text.slice(replace ? i + 1 : i);
      });
    fc.assert(fc.property(mutated, (text) => (jsonProblem(text) === null) === takes(text)), { numRuns: 5000 });
  });

  it('names a phone\'s curly quotes where they are, and says to type straight ones', () => {
    expect(jsonProblem('{\n  "firstName": “Ana”\n}')).toEqual({ line: 2, column: 16, says: 'a curly quote (“): type straight double quotes (") around names and text' });
    expect(jsonProblem('{“firstName”: "Ana"}')).toMatchObject({ line: 1, column: 2, says: expect.stringContaining('curly quote (“)') });
  });

  it('says what to mend for the usual hand-typed faults', () => {
    expect(jsonProblem('{"a": 1,}')).toEqual({ line: 1, column: 9, says: 'a comma before }: remove the comma' });
    expect(jsonProblem('[1, 2,]')).toMatchObject({ column: 7, says: 'a comma before ]: remove the comma' });
    expect(jsonProblem("{'a': 1}")).toMatchObject({ column: 2, says: expect.stringContaining('single quote') });
    expect(jsonProblem('{"a": 1 "b": 2}')).toMatchObject({ column: 9, says: 'a comma is missing here: put one between items' });
    expect(jsonProblem('{a: 1}')).toMatchObject({ column: 2, says: expect.stringContaining('field name not in double quotes') });
    expect(jsonProblem('{"a" 1}')).toMatchObject({ column: 6, says: expect.stringContaining('colon') });
    expect(jsonProblem('{"firstName": Ana}')).toMatchObject({ column: 15, says: '"A" where a value was due: put text in double quotes ("...")' });
    expect(jsonProblem('{"a": "line\nbreak"}')).toMatchObject({ line: 1, column: 12, says: expect.stringContaining('line break inside a text') });
    expect(jsonProblem('{"a": "C:\\path"}')).toMatchObject({ column: 10, says: expect.stringContaining('backslash') });
    // A \u without its four digits is told so, and how to write a backslash, as a Windows path may have meant one.
    expect(jsonProblem('{"a": "\\u12G4"}')).toMatchObject({ column: 8, says: 'a \\u escape without its four hexadecimal digits (\\u00e9 is é; a backslash itself is written \\\\)' });
    expect(jsonProblem('{"a": "C:\\users"}')).toMatchObject({ column: 10, says: expect.stringContaining('a backslash itself is written') });
    expect(jsonProblem('{"a": 1}}')).toMatchObject({ column: 9, says: expect.stringContaining('more after the end') });
    expect(jsonProblem('"Ana"')).toMatchObject({ column: 1, says: expect.stringContaining('the body is one object') });
  });

  it('tells a text cut short from one with a wrong character, at its end', () => {
    expect(jsonProblem('{"email": ')).toEqual({ line: 1, column: 11, says: expect.stringContaining('ends before the JSON is complete') });
    expect(jsonProblem('{"a": "open')).toMatchObject({ column: 12, says: expect.stringContaining('closing " is missing') });
    expect(jsonProblem('')).toMatchObject({ line: 1, column: 1 });
  });

  it('reads a deep nesting without recursion, and quotes no more than one character of the text', () => {
    expect(jsonProblem('['.repeat(200_000))).toMatchObject({ column: 200_001 });
    const problem = jsonProblem('{"firstName": María López}');
    expect(problem?.says).toContain('"M"');
    expect(problem?.says).not.toContain('ar');
    // A whole emoji, not half of it; a no-break space named, not shown as a space.
    expect(jsonProblem('{"a": 😀}')?.says).toContain('"😀" where a value was due');
    expect(jsonProblem('{"a":\u00a01}')?.says).toContain('character U+00A0');
  });
});
