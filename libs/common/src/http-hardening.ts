import type { NextFunction, Request, Response } from 'express';

/** API answers carry personal data: no browser, proxy or CDN may keep them. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
}
