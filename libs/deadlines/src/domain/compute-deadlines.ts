import { DateTime } from 'luxon';
import { addHoursExcludingClosedDays, rollForward } from './calendar';
import { DeadlineInputError } from './errors';
import { isDateOnly, latestByDay, parseInstant, requireZone, toIso } from './input';
import { circuitClerkZone } from './circuits';
import { BIA_TIME_ZONE, CURRENT_RULE_SET, type DeadlineRule, type RuleSet, type ZoneSource } from './rule-set';
import { endingsOf, eventInstant, findTriggers, isEnded, latestEventWhere, type Trigger } from './triggers';
import { tz } from './zones';
import type { CaseEventFact, CaseFacts, ComputedDeadline } from './types';

interface Dated {
  trigger: Trigger;
  at: DateTime;
  /** Its calendar date is the trigger's day (`at` itself, but for a time read in the case's `dayZone`). */
  day: DateTime;
}

interface Computed {
  anchor: DateTime;
  dueAt: DateTime;
  outerLimitAt?: DateTime;
  opensAt?: DateTime;
}

/** Every deadline the facts trigger under `ruleSet`, sorted by dueAt. Throws DeadlineInputError on bad input. */
export function computeDeadlines(facts: CaseFacts, ruleSet: RuleSet = CURRENT_RULE_SET): ComputedDeadline[] {
  const caseZone = requireZone(facts.custody?.timeZone, 'custody.timeZone');
  const dayZone = facts.custody.dayZone === undefined ? caseZone : requireZone(facts.custody.dayZone, 'custody.dayZone');
  validateEvents(facts.events, caseZone);
  return ruleSet.rules
    .flatMap((rule) => computeRule(facts, rule, caseZone, dayZone, ruleSet))
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.key.localeCompare(b.key));
}

// Every event is checked, even one no rule uses, so a bad date never hides behind a rule that ignores it.
function validateEvents(events: CaseEventFact[], caseZone: string): void {
  if (!Array.isArray(events)) throw new DeadlineInputError('INVALID_VALUE', 'events', 'expected an array');
  events.forEach((event, index) => {
    const zone = event.data?.timeZone;
    if (zone !== undefined) requireZone(zone, `events[${index}].data.timeZone`, event.id);
    if (event.data?.dayZone !== undefined) requireZone(event.data.dayZone, `events[${index}].data.dayZone`, event.id);
    parseInstant(event.occurredAt, caseZone, `events[${index}].occurredAt`, event.id);
  });
}

function computeRule(facts: CaseFacts, rule: DeadlineRule, caseZone: string, dayZone: string, ruleSet: RuleSet): ComputedDeadline[] {
  const order = new Map(facts.events.map((event, index) => [event.id, index]));
  const dated = findTriggers(facts, rule.trigger).map((trigger) => {
    const at = parseInstant(trigger.at, triggerZone(trigger, caseZone), trigger.field, trigger.event?.id);
    return { trigger, at, day: isDateOnly(trigger.at) ? at : at.setZone(tz(readDayIn(trigger, dayZone))) };
  });
  // An ending event (a bond decision or a release from ICE for a hearing, a granted motion for an order) ends a
  // trigger after it; both read in their own zones.
  const endings = endingsOf(rule.trigger);
  const isLive = (d: Dated) => !(d.trigger.event && endings.some((ending) => isEnded(facts, d.trigger.event!, ending)));
  const pick = (list: Dated[]): Dated[] => {
    switch (rule.occurrence) {
      case 'latest': return latest(list, order);
      case 'last_recorded': return lastRecorded(list, order);
      case 'latest_by_day': return latestDated(list, order);
      case 'each': return list;
      case 'each_by_day': return lastRecordedEachDay(list, order, rule.sameDayDistinctBy ?? [], ruleSet.entriesByCountedDay === true);
    }
  };
  // With `latestOnly` the trigger in force is chosen first, and then judged; otherwise the ended ones are set aside
  // first, and an earlier trigger can stand in for an ended later one.
  const chosen = endings.some((ending) => ending.latestOnly) ? pick(dated).filter(isLive) : pick(dated.filter(isLive));
  return chosen.map((d) => toDeadline(facts, rule, d, caseZone, ruleSet.version));
}

// The newest trigger supersedes older ones (a rescheduled hearing, a new release-eligible time). Between two
// triggers at the same time, the one recorded later (later in the events list) wins.
function latest(dated: Dated[], order: Map<string, number>): Dated[] {
  if (dated.length === 0) return [];
  const rank = (d: Dated) => order.get(d.trigger.id) ?? -1;
  const sorted = [...dated].sort((a, b) => a.at.toMillis() - b.at.toMillis() || rank(a) - rank(b));
  return [sorted[sorted.length - 1]];
}

// The trigger latest in time, one given by its date alone compared with the others by local day (in its zone); on the
// same day, or at the same time, the one recorded later wins.
function latestDated(dated: Dated[], order: Map<string, number>): Dated[] {
  const rank = (d: Dated) => order.get(d.trigger.id) ?? -1;
  const latest = latestByDay([...dated].sort((a, b) => rank(a) - rank(b)), (d) => ({ at: d.at, dateOnly: isDateOnly(d.trigger.at) }));
  return latest ? [latest] : [];
}

// The trigger recorded last (later in the events list; facts on the custody itself count as recorded first).
function lastRecorded(dated: Dated[], order: Map<string, number>): Dated[] {
  if (dated.length === 0) return [];
  const rank = (d: Dated) => order.get(d.trigger.id) ?? -1;
  return [dated.reduce((last, d) => (rank(d) >= rank(last) ? d : last))];
}

// One trigger per local day (where it happened; with `byCountedDay`, the day its deadline counts from), and per value
// of the `distinctBy` data fields: of those on one day, the one recorded last. The same ruling entered twice (by its
// date, then with its time) is one ruling, not two with a deadline each; rulings on two motions the same day are two.
function lastRecordedEachDay(dated: Dated[], order: Map<string, number>, distinctBy: string[], byCountedDay: boolean): Dated[] {
  const byDay = new Map<string, Dated[]>();
  for (const d of dated) {
    const day = JSON.stringify([(byCountedDay ? d.day : d.at).toISODate(), ...distinctBy.map((field) => d.trigger.event?.data?.[field] ?? null)]);
    byDay.set(day, [...(byDay.get(day) ?? []), d]);
  }
  return [...byDay.values()].flatMap((sameDay) => lastRecorded(sameDay, order));
}

// The local day of a trigger is read where it happened: the court when the event names one, else the case zone.
function triggerZone(trigger: Trigger, caseZone: string): string {
  const zone = trigger.event?.data?.timeZone;
  return typeof zone === 'string' ? zone : caseZone;
}

/**
 * Where a trigger's day is read (a date is that day wherever it is read): an event recorded at a place whose zone was
 * uncertain, where the day starts last (`data.dayZone`); else in its own zone (a court's, or the case's at recording);
 * with none (a custody fact), where the case's day starts last (`custody.dayZone`, else the case's zone).
 */
function readDayIn(trigger: Trigger, dayZone: string): string {
  const data = trigger.event?.data;
  if (typeof data?.dayZone === 'string') return data.dayZone;
  return typeof data?.timeZone === 'string' ? data.timeZone : dayZone;
}

function countingZone(source: ZoneSource, trigger: Trigger, caseZone: string, facts: CaseFacts): string {
  switch (source) {
    case 'circuit':
      return circuitClerkZone(facts.custody.states ?? []);
    case 'venue_circuit':
      return circuitClerkZone(facts.custody.states ?? [], venueState(trigger, facts));
    case 'custody':
      return caseZone;
    case 'bia':
      return BIA_TIME_ZONE;
    case 'court':
      return triggerZone(trigger, caseZone);
    case 'order_issuer':
      return trigger.event?.data?.issuedBy === 'bia' ? BIA_TIME_ZONE : triggerZone(trigger, caseZone);
  }
}

/**
 * The state the judge completed the proceedings in (8 U.S.C. 1252(b)(2)), as recorded: on the trigger, else, for a
 * ruling on a motion, on the latest final order at or before it (the proceedings the motion was about).
 */
function venueState(trigger: Trigger, facts: CaseFacts): string | undefined {
  const ruling = trigger.event;
  const own = ruling?.data?.venueState;
  if (typeof own === 'string') return own;
  if (ruling?.type !== 'motion_decided') return undefined;
  const at = eventInstant(facts, ruling).toMillis();
  const order = latestEventWhere(facts, (event) => event.type === 'final_order' && eventInstant(facts, event).toMillis() <= at);
  const venue = order?.data?.venueState;
  return typeof venue === 'string' ? venue : undefined;
}

function toDeadline(facts: CaseFacts, rule: DeadlineRule, dated: Dated, caseZone: string, ruleVersion: string): ComputedDeadline {
  const zone = countingZone(rule.zone, dated.trigger, caseZone, facts);
  const computed = computePeriod(rule, dated, zone);
  const deadline: ComputedDeadline = {
    key: `${rule.id}:${dated.trigger.id}@${computed.anchor.toUTC().toISO()}`,
    rule: rule.id,
    label: rule.label,
    dueAt: toIso(computed.dueAt),
    timeZone: zone,
    citation: rule.citation,
    ruleVersion,
  };
  if (computed.outerLimitAt) deadline.outerLimitAt = toIso(computed.outerLimitAt);
  if (computed.opensAt) deadline.opensAt = toIso(computed.opensAt);
  if (dated.trigger.event) deadline.triggerEventId = dated.trigger.event.id;
  if (rule.note) deadline.note = rule.note;
  return deadline;
}

function computePeriod(rule: DeadlineRule, { trigger, at, day }: Dated, zone: string): Computed {
  const period = rule.period;
  switch (period.kind) {
    case 'elapsed_hours': {
      const start = at.setZone(tz(zone));
      return {
        anchor: at,
        opensAt: start,
        // luxon adds hours as elapsed time, so 48 hours stay 48 real hours across a DST change.
        dueAt: start.plus({ hours: period.hours }),
        outerLimitAt:
          period.outerLimitHours === undefined ? undefined : addHoursExcludingClosedDays(start, period.outerLimitHours, zone),
      };
    }
    case 'at_time': {
      const field = `${trigger.field.replace(/occurredAt$/, '')}data.${period.field}`;
      const time = parseInstant(trigger.event?.data?.[period.field], zone, field, trigger.event?.id);
      return { anchor: time, dueAt: time };
    }
    case 'days':
      return { anchor: at, dueAt: dayRule(rule, day, zone, { days: period.days }) };
    case 'years':
      return { anchor: at, dueAt: dayRule(rule, day, zone, { years: period.years }) };
    case 'granted_days':
      return { anchor: at, dueAt: dayRule(rule, day, zone, { days: grantedDays(period, trigger) }) };
    case 'window_before': {
      const last = localDay(day, zone);
      return {
        anchor: at,
        opensAt: last.minus({ days: period.opensDaysBefore }).startOf('day'),
        dueAt: last.minus({ days: period.dueDaysBefore }).endOf('day'),
      };
    }
  }
}

// Calendar days from the trigger's local day (the trigger day itself is not counted); the last day
// rolls forward when closed, and the deadline is the end of that day in the counting zone.
function dayRule(rule: DeadlineRule, day: DateTime, zone: string, period: { days?: number; years?: number }): DateTime {
  const last = localDay(day, zone).plus(period);
  return (rule.rollForward ? rollForward(last, zone) : last).endOf('day');
}

// The trigger's calendar date, as a day in the counting zone.
function localDay(at: DateTime, zone: string): DateTime {
  return DateTime.fromObject({ year: at.year, month: at.month, day: at.day }, { zone: tz(zone) });
}

function grantedDays(period: { maxDays: number; maxDaysPreConclusion: number }, trigger: Trigger): number {
  const days = trigger.event?.data?.days;
  const max = trigger.event?.data?.stage === 'pre_conclusion' ? period.maxDaysPreConclusion : period.maxDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > max) {
    const field = trigger.field.replace(/occurredAt$/, 'data.days');
    const stageHint = max === period.maxDays ? ` (up to ${period.maxDaysPreConclusion} with stage "pre_conclusion")` : '';
    throw new DeadlineInputError('INVALID_VALUE', field, `voluntary departure days must be an integer from 1 to ${max}${stageHint}`, trigger.event?.id);
  }
  return days;
}
