import { isUtf8 } from 'node:buffer';
import { parse as parseContentType } from 'content-type';
import type { NextFunction, Request, Response } from 'express';
import { logRefusedRequest } from './logging';

/**
 * A request body must be JSON. Without this, a form encoding (curl's `-d` without a Content-Type) is parsed as a field
 * whose name is the whole JSON text, and the 400 naming the unknown field sends the client's data back in the error.
 */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const json = req.is('application/json');
  // In UTF-8 only: body-parser would decode UTF-16 too, after the checks of `verifyJsonBody` ran on its bytes.
  const charset = json ? charsetOf(req.headers['content-type']) : undefined;
  if (!hasBody || (json && (charset === null || charset === 'utf-8'))) return next();
  if (json && charset === 'utf8') {
    // UTF-8 by another of its names (WHATWG's label), which some clients send: body-parser takes only "utf-8".
    req.headers['content-type'] = 'application/json; charset=utf-8';
    return next();
  }
  logRefusedRequest(req, res, 415);
  // The charset named, when it is one (a token, not what else the header holds), as the reason.
  const named = json && charset && /^[a-z0-9._:-]{1,40}$/.test(charset) ? ` (charset=${charset} is not UTF-8)` : '';
  res.status(415).json({
    statusCode: 415,
    error: 'Unsupported Media Type',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: `Send the body as JSON in UTF-8, with the header Content-Type: application/json${named}`,
  });
}

/**
 * The charset a Content-Type names, in lower case (read as body-parser reads it: a quoted parameter is one value); null
 * when it names none, undefined when the header cannot be read.
 */
function charsetOf(contentType: string | undefined): string | null | undefined {
  try {
    return parseContentType(contentType ?? '').parameters.charset?.toLowerCase() ?? null;
  } catch {
    return undefined;
  }
}

/**
 * API answers carry personal data: no browser, proxy or CDN may keep them. And what nobody keeps is not revalidated:
 * a conditional GET (`If-None-Match`, `If-Modified-Since`) is answered in full, never 304. A case's ETag is its
 * `updatedAt`, for a correction's If-Match, and what its view shows moves without it (a deadline marked met, a new
 * hearing, the full view giving way to the summary): a client revalidating by it kept an old deadline list.
 */
export function noStore(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  delete req.headers['if-none-match'];
  delete req.headers['if-modified-since'];
  next();
}

/**
 * HEAD is not an API method (docs/api.md: a method a path does not have is a 404): Express runs the GET handler for
 * it, which for a case decrypts the record and audits a read of sensitive fields whose body is never sent, and for an
 * A-number lookup spends one of the hour's lookups. The calendar feed keeps it (calendar apps check a feed with HEAD).
 */
export function noHeadOnApi(req: Request, res: Response, next: NextFunction): void {
  // Routes match whatever the letter case (/api/Calendar/... is the feed too).
  if (req.method !== 'HEAD' || req.path.toLowerCase().startsWith('/calendar/')) return next();
  logRefusedRequest(req, res, 404);
  res.status(404).json({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: 'HEAD is not served here: use GET' });
}

/** Thrown by `verifyJsonBody`: body-parser passes it on with its `type` and `status`, for the exception filter. */
class BodyRefused extends Error {
  readonly status = 400;
  constructor(readonly type: 'body.not.utf8' | 'body.duplicate.key', message: string, readonly field?: string) {
    super(message);
  }
}

/**
 * body-parser's `verify` for JSON bodies, on the bytes before they are parsed. A body not in UTF-8 (Latin-1, as
 * Windows PowerShell 5.1 sends by default) would be decoded with replacement characters and stored so: "José" lost
 * for good, and the duplicate checks run on the damaged name. A key given twice in one object would be parsed as its
 * last value alone, the first one silently dropped (a correction lost).
 */
export function verifyJsonBody(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw new BodyRefused('body.not.utf8', 'Request body is not valid UTF-8: send the JSON in UTF-8');
  // A byte order mark in front, which the parser skips.
  const duplicate = firstDuplicateKey(body.toString('utf8').replace(/^\uFEFF/, ''));
  if (duplicate !== null) throw new BodyRefused('body.duplicate.key', `${duplicate} is given twice`, duplicate);
}

/** A nesting deeper than this is not scanned for duplicate keys: the validation refuses it anyway (16 levels). */
const DUPLICATE_SCAN_DEPTH = 64;

/** Thrown inside `firstDuplicateKey` where the text is not JSON: made once (an Error's stack costs per request). */
const NOT_SCANNED = new Error('not scanned');

/**
 * The path (`custody.county`, `adverseParties.1.name`, as validation names fields) of the first key given twice in one
 * object of a JSON text, or null: also for a text that is not JSON, which the parser then refuses with its own message.
 */
export function firstDuplicateKey(text: string): string | null {
  let i = 0;
  let first: string | null = null;
  const space = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const string = (): string => {
    const start = i++;
    let escapes = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) throw NOT_SCANNED;
      if (c === 92) {
        escapes = true;
        i += 2;
      } else if (c === 34) {
        i++;
        const raw = text.slice(start, i);
        if (!escapes) return raw.slice(1, -1);
        try {
          return JSON.parse(raw) as string;
        } catch {
          throw NOT_SCANNED;
        }
      } else {
        i++;
      }
    }
  };
  const value = (path: string, depth: number): void => {
    if (depth > DUPLICATE_SCAN_DEPTH) throw NOT_SCANNED;
    space();
    const c = text[i];
    if (c === '"') {
      string();
    } else if (c === '{') {
      i++;
      const keys = new Set<string>();
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') throw NOT_SCANNED;
        const key = string();
        const at = path ? `${path}.${key}` : key;
        if (keys.has(key)) first ??= at;
        keys.add(key);
        space();
        if (text[i++] !== ':') throw NOT_SCANNED;
        value(at, depth + 1);
        space();
        const next = text[i++];
        if (next === '}') return;
        if (next !== ',') throw NOT_SCANNED;
      }
    } else if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        value(path ? `${path}.${index}` : String(index), depth + 1);
        space();
        const next = text[i++];
        if (next === ']') return;
        if (next !== ',') throw NOT_SCANNED;
      }
    } else {
      // A number, true, false or null: up to the next delimiter.
      const start = i;
      while (i < text.length && !',]} \t\n\r'.includes(text[i])) i++;
      if (i === start) throw NOT_SCANNED;
    }
  };
  // The whole text is read: a duplicate is told only of a text that is otherwise JSON in shape.
  try {
    value('', 0);
    space();
    return i === text.length ? first : null;
  } catch (error) {
    if (error === NOT_SCANNED) return null;
    throw error;
  }
}
