import { type EventTime, eventTime, happenedAfter, isDateOnly, latestByDay, parseInstant, requireZone } from './input';
import type { DateTime } from 'luxon';
import type { Ending, TriggerSpec } from './rule-set';
import type { CaseEventFact, CaseEventType, CaseFacts } from './types';

/** Something that starts a clock: an event, or facts recorded on the custody itself. */
export interface Trigger {
  /** Event id, or 'custody' for custody facts. */
  id: string;
  event?: CaseEventFact;
  /** The trigger time as given, and its path in the input for error messages. */
  at: string;
  field: string;
}

interface IndexedEvent {
  event: CaseEventFact;
  index: number;
}

function eventsOfType(facts: CaseFacts, type: CaseEventType, match?: Record<string, string>): IndexedEvent[] {
  return facts.events
    .map((event, index) => ({ event, index }))
    .filter(({ event }) => event.type === type)
    .filter(({ event }) => !match || Object.entries(match).every(([k, v]) => event.data?.[k] === v));
}

function eventTrigger({ event, index }: IndexedEvent): Trigger {
  return { id: event.id, event, at: event.occurredAt, field: `events[${index}].occurredAt` };
}

/**
 * The event of one of `types` that happened last: each read in its own zone (the one it gives, else the case's), and
 * between two at the same time, the one recorded later. Not simply the one recorded last: an older fact recorded
 * afterwards does not undo a newer one.
 */
export function latestEventOf(facts: CaseFacts, types: readonly CaseEventType[]): CaseEventFact | undefined {
  return latestEventWhere(facts, (event) => types.includes(event.type));
}

/** The event passing `test` that happened last, read as `latestEventOf` reads them. */
export function latestEventWhere(facts: CaseFacts, test: (event: CaseEventFact) => boolean): CaseEventFact | undefined {
  let latest: { event: CaseEventFact; at: number } | undefined;
  facts.events.forEach((event, index) => {
    if (!test(event)) return;
    const at = eventInstant(facts, event, `events[${index}].occurredAt`).toMillis();
    if (!latest || at >= latest.at) latest = { event, at };
  });
  return latest?.event;
}

/**
 * Whether an ICE detainer stands: the latest of the `detainer_lodged` and `detainer_lifted` events decides (ICE may
 * cancel a detainer, and lodge another later); with neither, the intake's `custody.detainerLodged`. With `byDay`
 * (2026.6), one given by its date alone is compared with the other by day (`latestByDay`), as the case's custody is.
 */
export function detainerStands(facts: CaseFacts, byDay = false): boolean {
  const types: readonly CaseEventType[] = ['detainer_lodged', 'detainer_lifted'];
  const latest = byDay
    ? latestByDay(facts.events.filter((event) => types.includes(event.type)), (event) => eventTime(event.occurredAt, eventZone(facts, event), 'occurredAt', event.id))
    : latestEventOf(facts, types);
  return latest ? latest.type === 'detainer_lodged' : facts.custody.detainerLodged === true;
}

/** Custody in which no jail holds the person: an ICE detainer hold is over (ICE took them, or they are out). */
const HOLD_OVER = new Set(['ice_detention', 'released', 'not_detained']);

function detainerTriggers(facts: CaseFacts, spec: Extract<TriggerSpec, { kind: 'detainer_release_eligible' }>): Trigger[] {
  if (spec.whileJailMayHold && HOLD_OVER.has(facts.custody.status)) return [];
  if (!detainerStands(facts, spec.byDay === true)) return [];
  // A release_eligible event is newer information than the intake's releaseEligibleAt.
  const events = eventsOfType(facts, 'release_eligible').map(eventTrigger);
  const at = facts.custody.releaseEligibleAt;
  const custody: Trigger[] = at ? [{ id: 'custody', at, field: 'custody.releaseEligibleAt' }] : [];
  if (!spec.endedByRelease) return events.length > 0 ? events : custody;
  // The time in force is judged: the event recorded last (a forecast corrected), else the intake's. With events, the
  // intake's time never stands in, as before: nothing tells a later booking's from the one the events corrected (a
  // new booking's time is recorded as a new release_eligible event).
  const inForce = events.length > 0 ? [events[events.length - 1]] : custody;
  return inForce.filter((trigger) => !bookingEnded(facts, trigger, spec.sameDayByRecord === true));
}

/**
 * Whether the booking a release-eligible time belongs to is over: a `released` or `transferred` event happened at or
 * after it (by day when either is given by its date alone), each read in its own zone. With `sameDayByRecord`
 * (2026.13), one that neither happened after the other by that reading (the same day, or the same instant) ends it
 * only when recorded after it: a time recorded after a release of its day is a new booking's (the intake's own time,
 * recorded before any event, is ended by one of its day as before).
 */
function bookingEnded(facts: CaseFacts, trigger: Trigger, sameDayByRecord: boolean): boolean {
  const eligible = triggerTime(facts, trigger);
  const eligibleIndex = trigger.event ? facts.events.indexOf(trigger.event) : -1;
  return facts.events.some((event, index) => {
    if (event.type !== 'released' && event.type !== 'transferred') return false;
    const ended = recordedTime(facts, event, index);
    if (happenedAfter(eligible, ended)) return false;
    return !sameDayByRecord || happenedAfter(ended, eligible) || index > eligibleIndex;
  });
}

/** When a trigger happened, for ordering: read in its event's zone, else the case's (a custody field). */
function triggerTime(facts: CaseFacts, trigger: Trigger): EventTime {
  const zone = trigger.event ? eventZone(facts, trigger.event) : requireZone(facts.custody.timeZone, 'custody.timeZone');
  return eventTime(trigger.at, zone, trigger.field, trigger.event?.id);
}

/** When the `index`th recorded event happened, for ordering, read in its own zone. */
function recordedTime(facts: CaseFacts, event: CaseEventFact, index: number): EventTime {
  return eventTime(event.occurredAt, eventZone(facts, event), `events[${index}].occurredAt`, event.id);
}

function releasedFromIceTriggers(facts: CaseFacts): Trigger[] {
  const events = eventsOfType(facts, 'released', { from: 'ice' }).map(eventTrigger);
  if (events.length > 0) return events;
  const { status, releasedFrom, releasedAt } = facts.custody;
  return status === 'released' && releasedFrom === 'ice' && releasedAt
    ? [{ id: 'custody', at: releasedAt, field: 'custody.releasedAt' }]
    : [];
}

/**
 * Whether ICE detained the person again after a release: a `transferred` event (into a facility) after it, each read
 * in its own zone (by day when either is given by its date alone; on the same day, the one recorded later counts as
 * the later, as `happenedAfter` says). Judged by the events recorded, not the custody now: a transfer entered by
 * mistake and retracted leaves the custody as it set it, and the request must not go with it.
 */
function redetainedAfter(facts: CaseFacts, trigger: Trigger, before?: DateTime): boolean {
  const released = triggerTime(facts, trigger);
  const releaseIndex = trigger.event ? facts.events.indexOf(trigger.event) : -1;
  return facts.events.some((event, index) => {
    if (event.type !== 'transferred') return false;
    const transferred = recordedTime(facts, event, index);
    // Before the appointment, or perhaps before it: one given by its date alone on the appointment's day may have come
    // first (between keeping a hearing that may have been held and dropping one to come, the first is the safe error).
    if (before && !isBefore(transferred, before, true)) return false;
    return happenedAfter(transferred, released) || (!happenedAfter(released, transferred) && index > releaseIndex);
  });
}

/**
 * Whether an event happened before an appointment: one given by its date alone, on an earlier local day than it (with
 * `sameDay`, on its day too: it may have).
 */
function isBefore(t: EventTime, appointment: DateTime, sameDay = false): boolean {
  if (!t.dateOnly) return t.at.toMillis() < appointment.toMillis();
  const [day, held] = [t.at.toISODate() as string, appointment.toISODate() as string];
  return sameDay ? day <= held : day < held;
}

/** What ends a rule's triggers (`endedBy`): any of these. */
export function endingsOf(spec: TriggerSpec): readonly Ending[] {
  if (spec.kind !== 'event' || !spec.endedBy) return [];
  if (typeof spec.endedBy === 'string') return [{ eventType: spec.endedBy }];
  return Array.isArray(spec.endedBy) ? spec.endedBy : [spec.endedBy as Ending];
}

/** The zone an event is read in: the one it gives, else the case's. */
function eventZone(facts: CaseFacts, event: CaseEventFact): string {
  return typeof event.data?.timeZone === 'string' ? event.data.timeZone : requireZone(facts.custody.timeZone, 'custody.timeZone');
}

/** When an event happened: read in the zone it gives, else the case's (`field` names it in an error). */
export function eventInstant(facts: CaseFacts, event: CaseEventFact, field = 'occurredAt'): DateTime {
  return parseInstant(event.occurredAt, eventZone(facts, event), field, event.id);
}

/**
 * Whether an event (a trigger) is ended: an event of the `ending` recorded as happening at or after it (with
 * `laterDay`, on a later local day; with `heldBy`, on or after the appointment's local day too, one given by its date
 * alone compared by day), and, with `withinIssuerReach`, not a judge's ruling on what the BIA issued.
 */
export function isEnded(facts: CaseFacts, event: CaseEventFact, ending: Ending): boolean {
  const at = eventInstant(facts, event);
  const bia = event.data?.issuedBy === 'bia';
  const index = facts.events.indexOf(event);
  return eventsOfType(facts, ending.eventType, ending.match).some(({ event: end, index: endIndex }) => {
    if (ending.withinIssuerReach && bia && end.data?.issuedBy === 'ij') return false;
    const held = ending.before ? parseInstant(event.data?.[ending.before], eventZone(facts, event), ending.before, event.id) : undefined;
    if (held && !isBefore(recordedTime(facts, end, endIndex), held)) return false;
    // A re-detention after the appointment's time does not bring it back: it passed while the person was out.
    if (ending.whileOutOfIce && redetainedAfter(facts, eventTrigger({ event: end, index: endIndex }), held)) return false;
    if (ending.byDay) {
      const [trigger, ended] = [recordedTime(facts, event, index), recordedTime(facts, end, endIndex)];
      return happenedAfter(ended, trigger) || (!happenedAfter(trigger, ended) && endIndex > index);
    }
    const endAt = eventInstant(facts, end);
    const endDay = endAt.toISODate() as string;
    if (ending.laterDay) return endDay > (at.toISODate() as string);
    if (ending.heldBy) {
      const held = parseInstant(event.data?.[ending.heldBy], eventZone(facts, event), ending.heldBy, event.id);
      const afterSetting = isDateOnly(end.occurredAt) ? endDay >= (at.toISODate() as string) : endAt.toMillis() >= at.toMillis();
      return afterSetting && endDay >= (held.toISODate() as string);
    }
    return endAt.toMillis() >= at.toMillis();
  });
}

export function findTriggers(facts: CaseFacts, spec: TriggerSpec): Trigger[] {
  switch (spec.kind) {
    case 'detainer_release_eligible':
      return detainerTriggers(facts, spec);
    case 'released_from_ice':
      return spec.whileOutOfIce ? releasedFromIceTriggers(facts).filter((trigger) => !redetainedAfter(facts, trigger)) : releasedFromIceTriggers(facts);
    case 'event':
      return eventsOfType(facts, spec.eventType, spec.match).map(eventTrigger);
  }
}
