import { DateTime } from 'luxon';
import { isMidnight } from '../domain/urgency';
import { tz } from '../domain/zones';
import type { DeadlineView } from './case-timeline.service';
import { localWhen } from './notification-text';

// A line break of any kind (a carriage return alone too: left bare, it ends the line for some readers) is "\n".
const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
const stamp = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** RFC 5545 lines are folded at 75 octets. */
function fold(line: string): string {
  const out: string[] = [];
  let rest = Buffer.from(line, 'utf8');
  while (rest.length > 75) {
    let cut = 75;
    while (cut > 0 && (rest[cut] & 0xc0) === 0x80) cut -= 1; // never split a UTF-8 sequence
    out.push(rest.subarray(0, cut).toString('utf8'));
    rest = Buffer.concat([Buffer.from(' '), rest.subarray(cut)]);
  }
  out.push(rest.toString('utf8'));
  return out.join('\r\n');
}

/**
 * When a deadline's event is: its due time, or for a missed hold its outer limit. A hold or limit that ends at midnight
 * is the next day's 12:00 AM, which a calendar shows on that next day (a day late to the eye; the texts say "midnight
 * (end of the day)" of the day before): it is shown at that day's last second, 11:59:59 PM, as day-counted deadlines are.
 */
function eventAt(d: DeadlineView): string {
  const at = d.status === 'missed' && d.outerLimitAt !== undefined ? d.outerLimitAt : d.dueAt;
  if (d.outerLimitAt === undefined) return at;
  const local = DateTime.fromISO(at, { zone: tz(d.timeZone) });
  return local.isValid && isMidnight(local) ? local.minus({ seconds: 1 }).toISO()! : at;
}

/** The local times a deadline has, as its emails say them ("Due Tue 1 Dec 2026, 11:59 PM PST."). */
function when(d: DeadlineView): string {
  const at = (iso: string, end = false) => localWhen(new Date(iso), d.timeZone, end);
  return [
    `Due ${at(d.dueAt, d.outerLimitAt != null)}.`,
    ...(d.outerLimitAt ? [`Outer limit ${at(d.outerLimitAt, true)}.`] : []),
    ...(d.opensAt ? [`Opens ${at(d.opensAt)}.`] : []),
  ].join(' ');
}

/**
 * A calendar of deadlines. Calendars sync to third parties, so an event carries the case reference, the rule and the
 * citation, and nothing that identifies the client. An open deadline is an event at its due time; a missed one whose
 * outer limit is still ahead (a detainer hold past its 48 hours: 8 CFR 287.7(d)) an event at that limit, under an id
 * of its own, since it is not too late yet. Each says its local times, as the emails do: a calendar shows an instant
 * in its own zone, and a day's last minute in Los Angeles reads as the next morning in New York. With `more` (the feed
 * holds only the deadlines due soonest), a last event, at the last one's time, says that later ones are on the
 * deadline board: a feed cut short must not look complete.
 */
export function toIcs(deadlines: DeadlineView[], now: Date, host: string, more = false): string {
  const lines = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Amparo//Deadlines//EN', 'CALSCALE:GREGORIAN', 'X-WR-CALNAME:Amparo deadlines',
    // Read again hourly (RFC 7986; the older name for the clients that know only it): a met deadline leaves, a new hold
    // comes, within the hour rather than the client's own default, often a day.
    'REFRESH-INTERVAL;VALUE=DURATION:PT1H', 'X-PUBLISHED-TTL:PT1H',
  ];
  for (const d of deadlines) {
    const passed = d.status === 'missed' && d.outerLimitAt !== undefined;
    const title = passed ? `${d.reference}: ${d.label}: outer limit (its due time has passed)` : `${d.reference}: ${d.label}`;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${d.id}${passed ? '-outer' : ''}@${host}`,
      `DTSTAMP:${stamp(now.toISOString())}`,
      `DTSTART:${stamp(eventAt(d))}`,
      // No DTEND: a date-time DTSTART alone is an event of no duration (RFC 5545 3.6.1); DTEND equal to it is invalid.
      `SUMMARY:${escapeText(title)}`,
      `DESCRIPTION:${escapeText(`${when(d)} ${d.label} (${d.citation}). Rule version ${d.ruleVersion}. Times are computed in ${d.timeZone}.`)}`,
      'BEGIN:VALARM', 'ACTION:DISPLAY', `TRIGGER:${passed ? '-PT12H' : '-PT24H'}`, `DESCRIPTION:${escapeText(title)}`, 'END:VALARM',
      'END:VEVENT',
    );
  }
  // A calendar holds at least one component (RFC 5545 3.4): a feed with no deadline left (the last one met) would be
  // refused by strict readers, which then keep showing what it held. A zone definition carries nothing of a case.
  if (deadlines.length === 0) {
    lines.push(
      'BEGIN:VTIMEZONE', 'TZID:UTC',
      'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0000', 'TZNAME:UTC', 'END:STANDARD',
      'END:VTIMEZONE',
    );
  }
  const last = deadlines[deadlines.length - 1];
  if (more && last) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:more-deadlines@${host}`,
      `DTSTAMP:${stamp(now.toISOString())}`,
      // At the last event's own time (a missed hold's is its outer limit, not its due time, which has passed).
      `DTSTART:${stamp(eventAt(last))}`,
      'SUMMARY:Amparo: more deadlines than this feed holds',
      `DESCRIPTION:${escapeText(`This feed holds the ${deadlines.length} deadlines due soonest. Later ones are not in it: see the deadline board in Amparo.`)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
