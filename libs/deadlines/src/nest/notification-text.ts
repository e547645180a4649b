import { DateTime } from 'luxon';
import { englishLocal } from '../domain/urgency';
import { tz } from '../domain/zones';

/** "Fri 27 Nov 2026, 5:09 AM CST": the local time where the deadline is counted, with the year. */
export const localWhen = (d: Date, zone: string) => englishLocal(DateTime.fromJSDate(d).setZone(tz(zone)), true);

/** Reference and deadline only: notifications leave the system, so they never name the client. */
export function missedText(d: { reference: string; label: string; due_at: Date; time_zone: string; citation: string }) {
  const due = localWhen(d.due_at, d.time_zone);
  return {
    subject: `[Amparo] MISSED: ${d.reference}: ${d.label} was due ${due}`,
    body: `Case ${d.reference}\nMissed deadline: ${d.label}\nWas due: ${due} (${d.time_zone})\nRule: ${d.citation}\n\nCheck with the assigned attorney and record what happened.`,
  };
}
