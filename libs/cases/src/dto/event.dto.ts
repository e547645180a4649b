import { DateTime } from 'luxon';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength, ValidateBy, ValidateIf } from 'class-validator';
import { BlankAsNull, CodeValue, IsDateOrOffsetDateTime, IsUsTimeZone, IsOffsetDateTime } from '@amparo/common';
import { CIRCUIT_STATES } from '@amparo/deadlines';
import { FACILITY_CODE_HINT } from './formats';

/** A date or time as a phone keyboard may send it, with a space after it (the intake's take theirs off too). */
const Trimmed = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export const EVENT_TYPES = [
  'detainer_lodged', 'detainer_lifted', 'release_eligible', 'released', 'transferred', 'hearing_scheduled', 'bond_decision', 'ij_decision',
  'final_order', 'motion_decided', 'in_absentia_order', 'order_reinstated', 'entered_us', 'daca_expires', 'voluntary_departure_granted', 'address_changed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * A number in a range, with one message that says what to send: a form's "5000" or "$5,000" was answered with three
 * messages that contradicted each other (at most 10000000, at least 0, a number).
 */
function NumberFrom(min: number, max: number, whole: boolean, message: string): PropertyDecorator {
  return ValidateBy({
    name: 'numberFrom',
    validator: {
      validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && (!whole || Number.isInteger(value)) && value >= min && value <= max,
      defaultMessage: () => message,
    },
  });
}

/** Which extra fields each event type requires (the rest are refused for that type). */
export const EVENT_FIELDS: Record<EventType, { required: string[]; optional: string[] }> = {
  detainer_lodged: { required: [], optional: [] },
  detainer_lifted: { required: [], optional: [] },
  release_eligible: { required: [], optional: [] },
  released: { required: ['from'], optional: [] },
  transferred: { required: ['facilityCode'], optional: [] },
  hearing_scheduled: { required: ['hearingType', 'scheduledAt'], optional: ['courtCode', 'timeZone'] },
  bond_decision: { required: ['outcome'], optional: ['amount', 'timeZone'] },
  ij_decision: { required: ['outcome'], optional: ['timeZone'] },
  final_order: { required: [], optional: ['issuedBy', 'timeZone', 'venueState'] },
  motion_decided: { required: ['issuedBy', 'outcome', 'motion'], optional: ['timeZone', 'venueState'] },
  in_absentia_order: { required: [], optional: ['timeZone'] },
  order_reinstated: { required: [], optional: [] },
  entered_us: { required: [], optional: ['manner'] },
  daca_expires: { required: [], optional: [] },
  voluntary_departure_granted: { required: ['days'], optional: ['stage'] },
  address_changed: { required: [], optional: [] },
};

/** The event types whose `occurredAt` is when it will happen; every other event has happened (API.md). */
export const FUTURE_EVENT_TYPES: readonly EventType[] = ['release_eligible', 'daca_expires'];

/**
 * Why an `occurredAt` cannot be taken, or null. An event that has happened is not dated ahead: a year mistyped (2036
 * for 2026) would put a 30-day appeal or petition years away, and the case would look calm. A date may be today in
 * the zone the event is read in, a time up to an hour ahead (a clock a little fast).
 */
export function occurredAtProblem(type: EventType, occurredAt: string, now: Date, zone: string): string | null {
  if (FUTURE_EVENT_TYPES.includes(type)) return farAheadProblem(type, occurredAt, now, zone);
  if (/^\d{4}-\d{2}-\d{2}$/.test(occurredAt)) {
    if (occurredAt <= (DateTime.fromJSDate(now, { zone }).toISODate() ?? occurredAt)) return null;
  } else {
    const at = Date.parse(occurredAt);
    if (Number.isNaN(at) || at <= now.getTime() + 3600_000) return null;
  }
  const what = type === 'hearing_scheduled' ? ' (when the hearing was set: its own date and time go in scheduledAt)' : '';
  return `occurredAt is when the ${type} event happened${what}, and cannot be in the future; check the year`;
}

/** How far ahead a release-eligible time may be (see farAheadProblem; an intake's `custody.releaseEligibleAt` too). */
export const MAX_RELEASE_YEARS_AHEAD = 10;

/** A release-eligible time not more than MAX_RELEASE_YEARS_AHEAD ahead of the server's clock (others: their own checks). */
export function NotFarAhead(): PropertyDecorator {
  return ValidateBy({
    name: 'notFarAhead',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || farAheadProblem('release_eligible', value, new Date(), 'UTC') === null,
      defaultMessage: (args) => `${args?.property} is more than ${MAX_RELEASE_YEARS_AHEAD} years ahead; check the year (leave a release that far off out until it nears)`,
    },
  });
}

/**
 * Why a time that is ahead (`release_eligible`, `daca_expires`) is too far ahead to be right, or null. A year mistyped
 * on a phone (2062 for 2026) moved a running detainer hold decades out, the case no longer urgent, with no word. A
 * release further off than ten years is left out until it nears (the field is optional); DACA is granted for two years
 * at a time (a month's leeway for a grant dated ahead).
 */
function farAheadProblem(type: EventType, occurredAt: string, now: Date, zone: string): string | null {
  const at = DateTime.fromISO(occurredAt, { zone, setZone: !/^\d{4}-\d{2}-\d{2}$/.test(occurredAt) });
  if (!at.isValid) return null; // the DTO's own check names it
  const today = DateTime.fromJSDate(now, { zone });
  if (type === 'daca_expires') {
    return at > today.plus({ years: 2, months: 1 })
      ? 'occurredAt is more than two years ahead: DACA is granted for two years at a time; check the year'
      : null;
  }
  return at > today.plus({ years: MAX_RELEASE_YEARS_AHEAD })
    ? `occurredAt is more than ${MAX_RELEASE_YEARS_AHEAD} years ahead; check the year (leave a release that far off out until it nears)`
    : null;
}

/** How far after its setting a hearing may be scheduled (see scheduledAtProblem). */
export const MAX_HEARING_YEARS_AHEAD = 10;

/**
 * Why a hearing's `scheduledAt` cannot be taken with this `occurredAt` (when it was set), or null. A hearing is not set
 * after its own time: a hearing entered as history with `occurredAt` read as "when I typed it" was a bond hearing
 * missed the moment it was recorded (critical, every coordinator emailed), which the decision from that very hearing,
 * dated before the setting, could not end. By day, where the event is read, when `occurredAt` is a date alone.
 */
export function scheduledAtProblem(occurredAt: string, scheduledAt: string, zone: string): string | null {
  const scheduled = DateTime.fromISO(scheduledAt, { setZone: true });
  if (!scheduled.isValid) return null; // the DTO's own check names it
  const before = /^\d{4}-\d{2}-\d{2}$/.test(occurredAt)
    ? (scheduled.setZone(zone).toISODate() as string) < occurredAt
    : scheduled.toMillis() < Date.parse(occurredAt);
  if (before) return 'scheduledAt is before occurredAt: occurredAt is when the hearing was set (the date of the notice), not when it is entered';
  // A year mistyped on a phone (2062 for 2026) took a bond hearing off every board for decades, with no word. The
  // courts' backlog sets hearings years out, never this far.
  const set = DateTime.fromISO(occurredAt, { zone });
  return set.isValid && scheduled > set.plus({ years: MAX_HEARING_YEARS_AHEAD })
    ? `scheduledAt is more than ${MAX_HEARING_YEARS_AHEAD} years after the hearing was set (occurredAt); check the year`
    : null;
}

/** The outcomes each decision may have (the DTO accepts their union; the service checks the type's own list). */
export const EVENT_OUTCOMES: Partial<Record<EventType, readonly string[]>> = {
  bond_decision: ['granted', 'denied', 'no_jurisdiction'],
  ij_decision: ['granted', 'denied', 'removal_ordered', 'relief_granted', 'terminated', 'other'],
  motion_decided: ['granted', 'denied'],
};

export class CreateEventDto {
  @ApiProperty({ enum: EVENT_TYPES })
  @CodeValue()
  @IsIn(EVENT_TYPES)
  type: EventType;

  @ApiProperty({ example: '2026-11-20T16:00:00-06:00', description: 'When it happened, not in the future (for release_eligible and daca_expires: when it will, not more than 10 and 2 years ahead). A date-time with offset, or a date.' })
  @Trimmed()
  @IsDateOrOffsetDateTime()
  occurredAt: string;

  @ApiPropertyOptional({ enum: ['ice', 'jail'], description: 'released: from whose custody' })
  @CodeValue()
  @IsOptional()
  @IsIn(['ice', 'jail'])
  from?: 'ice' | 'jail';

  @ApiPropertyOptional({ description: 'transferred: the new ICE detention location code' })
  @BlankAsNull({ number: true })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{3,12}$/, { message: `facilityCode must be an ICE detention location code (${FACILITY_CODE_HINT})` })
  facilityCode?: string;

  @ApiPropertyOptional({ enum: ['bond', 'master', 'individual'] })
  @CodeValue()
  @IsOptional()
  @IsIn(['bond', 'master', 'individual'])
  hearingType?: 'bond' | 'master' | 'individual';

  @ApiPropertyOptional({ example: '2026-12-01T09:00:00-06:00', description: "hearing_scheduled: the hearing's date and time, ISO 8601 with its UTC offset; not before occurredAt (when it was set), nor more than 10 years after it" })
  @Trimmed()
  @IsOptional()
  @IsOffsetDateTime()
  scheduledAt?: string;

  // Stored in plain and shown with the case's events: letters only, so that no A-number or phone can be kept in it.
  @ApiPropertyOptional({ description: "The immigration court's code (EOIR's letters, such as HOU; or its city). Letters, spaces, '.', ''' and '-' only, at most 20", example: 'HOU' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  @Matches(/^\p{L}[\p{L}\p{M} .'-]*$/u, { message: "courtCode must be the court's code or city, in letters (such as HOU)" })
  courtCode?: string;

  @ApiPropertyOptional({ description: "The court's IANA zone (of the United States or its territories), when it differs from the case's. A ruling of the BIA (issuedBy bia) is recorded in America/New_York, Falls Church's zone, whatever is sent" })
  @BlankAsNull()
  @IsOptional()
  @IsUsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({
    enum: ['granted', 'denied', 'no_jurisdiction', 'removal_ordered', 'relief_granted', 'terminated', 'other'],
    description: 'bond_decision: granted | denied | no_jurisdiction; ij_decision: e.g. granted | denied | removal_ordered; motion_decided: granted | denied',
  })
  @CodeValue()
  @ValidateIf((o: CreateEventDto) => o.outcome !== undefined)
  @IsIn(['granted', 'denied', 'no_jurisdiction', 'removal_ordered', 'relief_granted', 'terminated', 'other'])
  outcome?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 10_000_000, description: 'bond_decision: the bond amount in USD' })
  @IsOptional()
  @NumberFrom(0, 10_000_000, false, 'amount must be a number of US dollars from 0 to 10000000, such as 5000 (no $ or commas, not in quotes)')
  amount?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 120, description: 'voluntary_departure_granted: the period granted, in days' })
  @IsOptional()
  @NumberFrom(1, 120, true, 'days must be a whole number of days from 1 to 120, such as 60 (not in quotes)')
  days?: number;

  @ApiPropertyOptional({ enum: ['pre_conclusion', 'conclusion'] })
  @CodeValue()
  @IsOptional()
  @IsIn(['pre_conclusion', 'conclusion'])
  stage?: string;

  @ApiPropertyOptional({ enum: ['ij', 'bia'], description: 'final_order, motion_decided: who issued it (BIA filings count in Eastern time)' })
  @CodeValue()
  @IsOptional()
  @IsIn(['ij', 'bia'])
  issuedBy?: string;

  @ApiPropertyOptional({ enum: ['reopen', 'reconsider'], description: 'motion_decided: the motion ruled on (a motion to reopen or to reconsider; other rulings, a continuance say, start no deadline)' })
  @CodeValue()
  @IsOptional()
  @IsIn(['reopen', 'reconsider'])
  motion?: string;

  @ApiPropertyOptional({
    example: 'TX',
    description:
      'final_order, motion_decided: the state of the immigration court where the judge completed the proceedings (8 U.S.C. 1252(b)(2)), which decides the circuit of a petition for review (rule set 2026.4); a ruling without one takes the latest final order\'s',
  })
  @BlankAsNull({ upperCase: true })
  @IsOptional()
  @IsIn(CIRCUIT_STATES, { message: 'venueState must be the 2-letter code of a U.S. state or territory with a federal court of appeals, such as TX' })
  venueState?: string;

  @ApiPropertyOptional({ enum: ['inspected', 'ewi', 'paroled', 'unknown'], description: 'entered_us: manner of entry, only when the attorney needs it (bond eligibility). An immigration-status fact: recorded only by whoever has the full view or a coordinator (else 403 naming manner), listed only with the full view' })
  @CodeValue()
  @IsOptional()
  @IsIn(['inspected', 'ewi', 'paroled', 'unknown'])
  manner?: string;
}
