/**
 * Where a JSON text first goes wrong, said so that someone who typed it by hand can mend it: the line and column, and
 * what was found there. JSON.parse's own message quotes the text around the fault (a client's name, in an error body),
 * and V8 gives no position for most faults; this scanner reads the text itself, without recursion (a deep nesting is
 * no risk), and quotes at most the one character it stopped at.
 */
export interface JsonProblem {
  line: number;
  column: number;
  /** What is wrong, in words, with how to mend it where that is known. */
  says: string;
}

const CURLY_QUOTES = new Set(['\u201C', '\u201D', '\u201E', '\u201F', '\u2033', '\u00AB', '\u00BB', '\u2018', '\u2019', '\u201A', '\u201B']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

type Expecting = 'value' | 'value-or-close' | 'key-or-close' | 'key' | 'colon' | 'comma-or-close' | 'end';

/** The first fault of `text` as JSON (an object or array at the top, as the API takes), or null when it has none. */
export function jsonProblem(text: string): JsonProblem | null {
  const open: string[] = [];
  let expecting: Expecting = 'value';
  let afterComma = false;
  let i = 0;
  const at = (offset: number, says: string): JsonProblem => {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    return { line, column: offset - before.lastIndexOf('\n'), says };
  };
  const unexpected = (offset: number): JsonProblem => {
    const c = String.fromCodePoint(text.codePointAt(offset) ?? 0); // a whole character, an emoji too
    if (CURLY_QUOTES.has(c)) return at(offset, `a curly quote (${c}): type straight double quotes (") around names and text`);
    if (c === "'") return at(offset, `a single quote ('): JSON takes straight double quotes (")`);
    if (afterComma && (c === '}' || c === ']')) return at(offset, `a comma before ${c}: remove the comma`);
    if (expecting === 'comma-or-close' && (c === '"' || c === '{' || c === '[')) return at(offset, 'a comma is missing here: put one between items');
    if (expecting === 'key' || expecting === 'key-or-close') return at(offset, `a field name not in double quotes: write it as "name"`);
    if (expecting === 'value' || expecting === 'value-or-close') return at(offset, `${quoted(c)} where a value was due: put text in double quotes ("...")`);
    return at(offset, `an unexpected ${quoted(c)}`);
  };
  /** What comes after a value: the end, or a comma or the close of what holds it. */
  const afterValue = (): Expecting => (open.length === 0 ? 'end' : 'comma-or-close');
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
    if (i >= text.length) {
      return expecting === 'end' ? null : at(i, 'the text ends before the JSON is complete: a closing }, ], or " is missing');
    }
    const c = String.fromCodePoint(text.codePointAt(i) ?? 0);
    if (expecting === 'end') return at(i, `more after the end of the JSON (${quoted(c)}): send one object`);
    if (expecting === 'colon') {
      if (c !== ':') return at(i, `${quoted(c)} where a colon (:) was due after the field name`);
      i++;
      expecting = 'value';
      continue;
    }
    // The close of what is open: after one of its items, or at once (an empty object or list).
    const closes = c === '}' ? '{' : c === ']' ? '[' : null;
    if (closes !== null && open[open.length - 1] === closes
        && (expecting === 'comma-or-close' || expecting === (closes === '{' ? 'key-or-close' : 'value-or-close'))) {
      i++;
      open.pop();
      expecting = afterValue();
      afterComma = false;
      continue;
    }
    if (expecting === 'comma-or-close') {
      if (c !== ',') return unexpected(i);
      i++;
      expecting = open[open.length - 1] === '{' ? 'key' : 'value';
      afterComma = true;
      continue;
    }
    if (expecting === 'key' || expecting === 'key-or-close') {
      if (c !== '"') return unexpected(i);
      const end = stringEnd(text, i);
      if (typeof end !== 'number') return at(end.offset, end.says);
      i = end;
      expecting = 'colon';
      afterComma = false;
      continue;
    }
    // A value.
    if (open.length === 0 && c !== '{' && c !== '[') return at(i, `${quoted(c)} at the start: the body is one object, {...}`);
    if (c === '{' || c === '[') {
      open.push(c);
      afterComma = false;
      i++;
      expecting = c === '{' ? 'key-or-close' : 'value-or-close';
      continue;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      if (typeof end !== 'number') return at(end.offset, end.says);
      i = end;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return at(i, `a number that is not written as JSON writes one`);
      i = NUMBER.lastIndex;
    } else {
      LITERAL.lastIndex = i;
      if (!LITERAL.test(text)) return unexpected(i);
      i = LITERAL.lastIndex;
    }
    expecting = afterValue();
    afterComma = false;
  }
}

/** The offset past the string that opens at `start`, or where and why it goes wrong. */
function stringEnd(text: string, start: number): number | { offset: number; says: string } {
  for (let i = start + 1; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) {
      ESCAPE.lastIndex = i;
      if (!ESCAPE.test(text)) {
        return text[i + 1] === 'u'
          ? { offset: i, says: 'a \\u escape without its four hexadecimal digits (\\u00e9 is é; a backslash itself is written \\\\)' }
          : { offset: i, says: 'a backslash (\\) that starts no escape: write \\\\ for one' };
      }
      i = ESCAPE.lastIndex;
    } else if (c < 0x20) {
      return { offset: i, says: c === 10 || c === 13 ? 'a line break inside a text: write it as \\n' : 'a control character inside a text' };
    } else {
      i++;
    }
  }
  return { offset: text.length, says: 'a text that never ends: a closing " is missing' };
}

/** One character, quoted, or named when it shows nothing or looks like a space (a no-break space, a BOM). */
function quoted(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f || (code !== 0x20 && /[\p{Z}\p{Cf}\p{Cs}]/u.test(c))
    ? `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`
    : `"${String.fromCodePoint(code)}"`;
}
