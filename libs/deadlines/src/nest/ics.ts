import type { DeadlineView } from './case-timeline.service';

const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
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
 * A calendar of deadlines. Calendars sync to third parties, so an event carries the case reference, the rule and the
 * citation, and nothing that identifies the client. With `more` (the feed holds only the deadlines due soonest), a
 * last event, at the last one's time, says that later ones are on the deadline board: a feed cut short must not look
 * complete.
 */
export function toIcs(deadlines: DeadlineView[], now: Date, host: string, more = false): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Amparo//Deadlines//EN', 'CALSCALE:GREGORIAN', 'X-WR-CALNAME:Amparo deadlines'];
  for (const d of deadlines) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${d.id}@${host}`,
      `DTSTAMP:${stamp(now.toISOString())}`,
      `DTSTART:${stamp(d.dueAt)}`,
      // No DTEND: a date-time DTSTART alone is an event of no duration (RFC 5545 3.6.1); DTEND equal to it is invalid.
      `SUMMARY:${escapeText(`${d.reference}: ${d.label}`)}`,
      `DESCRIPTION:${escapeText(`${d.label} (${d.citation}). Rule version ${d.ruleVersion}. Times are computed in ${d.timeZone}.`)}`,
      'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT24H', `DESCRIPTION:${escapeText(`${d.reference}: ${d.label}`)}`, 'END:VALARM',
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
      `DTSTART:${stamp(last.dueAt)}`,
      'SUMMARY:Amparo: more open deadlines than this feed holds',
      `DESCRIPTION:${escapeText(`This feed holds the ${deadlines.length} open deadlines due soonest. Later ones are not in it: see the deadline board in Amparo.`)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
