import { DateTime } from 'luxon';
import { tz } from '../domain/zones';

export const localWhen = (d: Date, zone: string) => DateTime.fromJSDate(d).setZone(tz(zone)).toFormat('ccc d LLL yyyy, h:mm a ZZZZ');

/** Reference and deadline only: notifications leave the system, so they never name the client. */
export function missedText(d: { reference: string; label: string; due_at: Date; time_zone: string; citation: string }) {
  const due = localWhen(d.due_at, d.time_zone);
  return {
    subject: `[Amparo] MISSED: ${d.reference}: ${d.label} was due ${due}`,
    body: `Case ${d.reference}\nMissed deadline: ${d.label}\nWas due: ${due} (${d.time_zone})\nRule: ${d.citation}\n\nCheck with the assigned attorney and record what happened.`,
  };
}
