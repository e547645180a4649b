import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, invalid } from './domain-error';

/**
 * Optimistic concurrency for a form that replaces what it read (a case's list of adverse parties, an attorney's whole
 * profile): the record's version is its `updatedAt`, given as an entity tag (`ETag: "<updatedAt>"`), and a change sent
 * with `If-Match` is refused, 412 `STALE_RECORD`, when the record changed since. Without `If-Match` a change is taken as
 * sent (clients that do not read first lose nothing they had before).
 */
export function withETag<T extends { updatedAt?: string }>(res: Response, view: T): T {
  if (view.updatedAt) res.setHeader('ETag', `"${view.updatedAt}"`);
  return view;
}

/** The versions an If-Match header names (`"<updatedAt>"`, weak or not, comma-separated; `*` for any), or a 400. */
export function entityTags(header: string | undefined): string[] | null {
  if (header === undefined) return null;
  const refuse = () =>
    invalid('If-Match', 'If-Match must be the ETag of the record as read, such as "2026-11-27T17:09:00.000Z", or *');
  const tags = header.split(',').map((tag) => tag.trim()).filter(Boolean);
  if (tags.length === 0) throw refuse();
  return tags.map((tag) => {
    if (tag === '*') return tag;
    const match = /^(?:W\/)?"([^"]*)"$/.exec(tag);
    if (!match) throw refuse();
    return match[1];
  });
}

/** Refuses the change when the record's version (`updatedAt` as stored, null: none yet) is not one `versions` names. */
export function requireVersion(versions: string[] | null, updatedAt: Date | null, what: string): void {
  if (!versions) return;
  if (updatedAt && (versions.includes('*') || versions.includes(updatedAt.toISOString()))) return;
  throw new DomainError(HttpStatus.PRECONDITION_FAILED, 'STALE_RECORD',
    `The ${what} changed since you read it: read it again, then send your change against what it holds now`);
}
