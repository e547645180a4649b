import { DateTime } from 'luxon';
import { englishLocal } from '../domain/urgency';
import { tz } from '../domain/zones';

/**
 * "Fri 27 Nov 2026, 5:09 AM CST": the local time where the deadline is counted, with the year. `end`: a time that ends
 * something (an outer limit), whose midnight is the end of the day before (englishLocal).
 */
export const localWhen = (d: Date, zone: string, end = false) => englishLocal(DateTime.fromJSDate(d).setZone(tz(zone)), true, end);

/**
 * Reference and deadline only: notifications leave the system, so they never name the client. A deadline whose outer
 * limit is still ahead (a detainer hold: 8 CFR 287.7(d)) says when that is: missed is not yet too late, and a
 * coordinator reading "MISSED" on a weekend must know. The last line says who to ask: the case's attorney; for a
 * closed case, whoever closed it; with none, that the case is the coordinators' to place.
 */
export function missedText(
  d: { reference: string; label: string; due_at: Date; time_zone: string; citation: string; outer_limit_at?: Date | null },
  c: { status: string; hasAttorney: boolean },
  now: Date,
) {
  // Only a detainer hold has an outer limit: its 48 hours end, as the limit does, at a time that may be a midnight.
  const due = localWhen(d.due_at, d.time_zone, d.outer_limit_at != null);
  const outer = d.outer_limit_at && d.outer_limit_at > d.due_at && d.outer_limit_at > now ? localWhen(d.outer_limit_at, d.time_zone, true) : null;
  const ask = c.status === 'closed'
    ? `The case is closed: check with ${c.hasAttorney ? 'its attorney' : 'whoever closed it'} and record what happened.`
    : c.status === 'assigned' && c.hasAttorney
      ? 'Check with the assigned attorney and record what happened.'
      : 'The case has no attorney: record what happened, and place it if it still needs one.';
  return {
    subject: `[Amparo] MISSED: ${d.reference}: ${d.label} was due ${due}${outer ? ` (outer limit ${outer})` : ''}`,
    body: `Case ${d.reference}\nMissed deadline: ${d.label}\nWas due: ${due} (${d.time_zone})\n` +
      (outer ? `Outer limit: ${outer} (${d.time_zone}): until then it may not be too late to act.\n` : '') +
      `Rule: ${d.citation}\n\n${ask}`,
  };
}

/**
 * How long until a time still ahead, roughly: hours, rounded, and minutes under an hour ("in about 0 hours" said 20
 * minutes, and 1.9 hours read as one).
 */
export function timeLeft(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'in less than a minute';
  if (minutes < 60) return `in about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  return `in about ${hours} hour${hours === 1 ? '' : 's'}`;
}

/**
 * A deadline emailed as missed that a correction of the case's place opened again: it was counted at the wrong place,
 * and is due at the time read at the right one, still ahead.
 */
export function reopenedText(
  d: { reference: string; label: string; due_at: Date; time_zone: string; citation: string; outer_limit_at?: Date | null },
  now: Date,
  movedAgain = false,
) {
  const due = localWhen(d.due_at, d.time_zone, d.outer_limit_at != null);
  const head = `Case ${d.reference}\nDeadline: ${d.label}\nDue: ${due} (${d.time_zone}), ${timeLeft(d.due_at.getTime() - now.getTime())}\n` +
    `Rule: ${d.citation}\n\n`;
  if (movedAgain) {
    return {
      subject: `[Amparo] OPEN, NEW TIME: ${d.reference}: ${d.label} is due ${due}, not missed`,
      body: head + `It was emailed as missed. Counted where the case is now, it is still ahead: it is open, due at the ` +
        `time above. An earlier email may have given another time: this one is current. Please act on it before it is due.`,
    };
  }
  return {
    subject: `[Amparo] OPEN AGAIN: ${d.reference}: ${d.label} is due ${due}, not missed`,
    body: head + `It was emailed as missed, counted at the place the case had before its correction. At the ` +
      `corrected place it is still ahead: it is open again. Please act on it before it is due.`,
  };
}
