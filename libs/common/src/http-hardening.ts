import type { NextFunction, Request, Response } from 'express';
import { logRefusedRequest } from './logging';

/**
 * A request body must be JSON. Without this, a form encoding (curl's `-d` without a Content-Type) is parsed as a field
 * whose name is the whole JSON text, and the 400 naming the unknown field sends the client's data back in the error.
 */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || req.is('application/json')) return next();
  logRefusedRequest(req, res, 415);
  res.status(415).json({
    statusCode: 415,
    error: 'Unsupported Media Type',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send the body as JSON, with the header Content-Type: application/json',
  });
}

/** API answers carry personal data: no browser, proxy or CDN may keep them. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
}
