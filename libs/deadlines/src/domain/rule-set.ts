import { DateTime } from 'luxon';
import { DeadlineInputError } from './errors';
import type { CaseEventType, FlagCode } from './types';
import { tz } from './zones';

export const BIA_TIME_ZONE = 'America/New_York'; // Falls Church, Virginia

/** What ends a rule's triggers: events of a type, optionally only those whose `data` has these values. */
export interface Ending {
  eventType: CaseEventType;
  match?: Record<string, string>;
  /**
   * Only an event on a later local day (each read in its own zone) ends a trigger, not one at or after it the same
   * day: that may be the ruling that issued the trigger (reconsideration granted and the appeal dismissed in one
   * decision), and a date-only event has no time of day to compare.
   */
  laterDay?: boolean;
  /**
   * A judge's ruling (`issuedBy: 'ij'`) does not end a trigger the BIA issued: once the BIA has ruled, motions go to it
   * (8 CFR 1003.2, 1003.23(b)(1)), and a judge's grant recorded after is about something else, or a mistake.
   */
  withinIssuerReach?: boolean;
  /**
   * An appointment (the time in this field of the trigger's data, `scheduledAt`) is ended only by an event on its local
   * day or later: a decision dated before the hearing is about an earlier one (a redetermination set the afternoon of
   * a decision, and that decision written and mailed the next day). An event given by its date alone is compared with
   * the trigger by day: it has no time of day, and read as midnight it would come before a hearing set and held that
   * same day. Between keeping a hearing that took place (swept missed a day later, then waived) and dropping one to
   * come, the first is the safe error.
   */
  heldBy?: string;
  /**
   * Only the trigger in force (the latest) is judged: an earlier one it replaced (a hearing moved up) does not come
   * back when the latest is ended.
   */
  latestOnly?: boolean;
  /**
   * (2026.8) The ending event and the trigger are compared as `happenedAfter` reads them: one given by its date alone
   * by day, and on the same day the one recorded later counts as the later (a release entered by its date after a
   * hearing set that morning ends it).
   */
  byDay?: boolean;
  /**
   * (2026.8) Only a release (the ending) not followed by a `transferred` event: once ICE detains the person again,
   * the release ends nothing (as `whileOutOfIce` of the request after a release). With `before`, only a re-detention
   * before the appointment counts: one after it does not bring back a hearing that passed while the person was out.
   */
  whileOutOfIce?: boolean;
  /**
   * (2026.8) Only an ending event before the appointment (the time in this field of the trigger's data): one given by
   * its date alone, on an earlier day than the appointment's (where each happened). A release after a hearing's time,
   * or on its day with no time, may follow the hearing itself: what is due then is its outcome (the bond decision,
   * which starts the appeal), and the hearing stays for it.
   */
  before?: string;
}

/** What starts a rule's clock. */
export type TriggerSpec =
  /**
   * The latest (or each) event of a type, optionally only when `data` has these values; with `endedBy`, an event of
   * that type (and those values) recorded as happening at or after the trigger ends it (a bond decision after the
   * hearing was set, a granted motion to reopen after the order). Several endings: any of them ends it.
   */
  | { kind: 'event'; eventType: CaseEventType; match?: Record<string, string>; endedBy?: CaseEventType | Ending | readonly Ending[] }
  /**
   * A detainer is known and the person is release-eligible (events, else custody facts); with `whileJailMayHold`,
   * only while the custody is a jail or unknown (in ICE custody, released or not detained, no jail holds them); with
   * `endedByRelease` (2026.6), a release-eligible time is ended by a `released` or `transferred` event at or after it
   * (that booking is over: booked again, the person has a new release-eligible time, not the old one's hold); the
   * time in force (the one recorded last) is judged, not an older one it corrected. With `byDay` (2026.6), whether
   * the detainer stands is judged by day when an event is given by its date alone (`detainerStands`). With
   * `sameDayByRecord` (2026.13), a release or transfer and the release-eligible time on the same day, one of them
   * given by its date alone, are ordered as recorded (the one recorded later counts as the later, as `happenedAfter`
   * says elsewhere): a release entered by its date, then a new booking's time later that day, is a new hold (2026.6
   * took the release as ending it, and no hold was computed).
   */
  | { kind: 'detainer_release_eligible'; whileJailMayHold?: boolean; endedByRelease?: boolean; byDay?: boolean; sameDayByRecord?: boolean }
  /**
   * A `released` event with `{from:'ice'}`, else custody `{status:'released', releasedFrom:'ice', releasedAt}`. With
   * `whileOutOfIce` (2026.7), not a release followed by a `transferred` event (ICE detained the person again): a
   * request to change the conditions of a release does not apply to someone detained anew (a new custody
   * determination does).
   */
  | { kind: 'released_from_ice'; whileOutOfIce?: boolean };

export type Period =
  /** Absolute elapsed hours; `outerLimitHours` counts only open local days (8 CFR 287.7(d)). */
  | { kind: 'elapsed_hours'; hours: number; outerLimitHours?: number }
  /** The time in `data[field]` of the trigger event (e.g. the hearing itself). */
  | { kind: 'at_time'; field: string }
  | { kind: 'days'; days: number }
  | { kind: 'years'; years: number }
  /** Days granted in `data.days`; more than `maxDays` only when `data.stage` is 'pre_conclusion'. */
  | { kind: 'granted_days'; maxDays: number; maxDaysPreConclusion: number }
  /** A window ending before the trigger date (calendar days, never rolled). */
  | { kind: 'window_before'; opensDaysBefore: number; dueDaysBefore: number };

/**
 * Whose clock: 'custody' is the jail/facility or, if not detained, the client's zone (the case zone);
 * 'court' is the trigger event's `data.timeZone`, else the case zone; 'bia' is Falls Church (Eastern);
 * 'order_issuer' is Eastern when the event's `data.issuedBy` is 'bia', else 'court'; 'circuit' is the circuit clerk's
 * zone (FRAP 26(a)(4)(B)) of the states the person was held or placed in, the earliest midnight (circuits.ts);
 * 'venue_circuit' (2026.4) is the circuit clerk's zone of the state the judge completed the proceedings in, when the
 * event (or, for a ruling on a motion, the latest final order) gives it as `data.venueState`, else 'circuit'.
 */
export type ZoneSource = 'custody' | 'court' | 'bia' | 'order_issuer' | 'circuit' | 'venue_circuit';

export interface DeadlineRule {
  id: string;
  label: string;
  trigger: TriggerSpec;
  /**
   * 'latest': one deadline, from the trigger latest in time (a later decision or order supersedes an earlier one);
   * 'last_recorded': one deadline, from the trigger recorded last, for triggers that are forecasts (a release-eligible
   * time, an expiry date), where a correction to an earlier time must win; 'latest_by_day' (2026.6): as 'latest', but
   * a trigger given by its date alone is compared with the others by local day, and on the same day the one recorded
   * later wins (read as midnight, a notice entered by its date lost to one entered with the time that morning);
   * 'each': one per trigger; 'each_by_day' (2026.9): one per local day of the triggers (each read where it happened),
   * the one recorded last on that day (the same ruling entered twice, by its date and then with its time, is one).
   */
  occurrence: 'latest' | 'last_recorded' | 'latest_by_day' | 'each' | 'each_by_day';
  /**
   * With 'each_by_day' (2026.10): the trigger's data fields that tell two rulings of one day apart (the denial of a
   * motion to reopen and the denial of a motion to reconsider, the same day, are two rulings, each with its own clock).
   */
  sameDayDistinctBy?: string[];
  /**
   * An appointment (a hearing), not a filing: it becomes missed only this many hours after its time, when nobody has
   * recorded its outcome, instead of the moment it starts.
   */
  missedAfterHours?: number;
  period: Period;
  /** The day rule: a last day on a Saturday, Sunday or legal holiday moves to the next open day. */
  rollForward: boolean;
  zone: ZoneSource;
  citation: string;
  note?: string;
}

export interface FlagDefinition {
  /**
   * Presentation, not a computation: a label may be corrected in a released set (2026.1's bond label named the facts
   * until 2026-11-25). Never names the facts that raised the flag: labels are stored in plain columns and shown in summaries, and those
   * facts (manner of entry, criminal history) are immigration-status facts the summaries must not narrow down.
   */
  label: string;
  citation?: string;
}

export interface RuleSet {
  version: string;
  /** First day (YYYY-MM-DD) on which computations use this set. */
  effectiveFrom: string;
  rules: readonly DeadlineRule[];
  /** The flags this set raises (a flag new in a later set is not in the earlier ones). */
  flags: Readonly<Partial<Record<FlagCode, FlagDefinition>>>;
  /**
   * 2026.4: the `removal_order` and `in_absentia_order` flags read rulings on motions (a grant ends the order as it
   * ends its clocks, `GRANTED_MOTION`; a denial presupposes an order); before, they read the orders alone (flags.ts).
   */
  flagsReadRulings?: boolean;
  /**
   * 2026.6: the flags judge whether a detainer stands by day when an event is given by its date alone, as the hold
   * and the case's custody do (`detainerStands`).
   */
  eventsByDay?: boolean;
  /**
   * 2026.11: a detainer that stands while the custody is `unknown` counts as detention for the flags (someone is
   * holding the person for ICE: a family who called knows of the hold, not which jail), as it does in a county jail;
   * the urgency policy already followed its hold then.
   */
  detainerInUnknownCustody?: boolean;
  /**
   * 2026.12: the entries of an `each_by_day` rule are told apart by the day the deadline counts from (`data.dayZone`,
   * at a place whose zone is uncertain), not the day in the zone they were read in: a move in the last Central hour of
   * a Thursday in "Nashville" and one the next Central day fell on one Eastern day, and only the later one counted.
   */
  entriesByCountedDay?: boolean;
}

const CUSTODY_DAY_RULE = { rollForward: true, zone: 'custody' } as const;

export const RULE_SET_2026_1: RuleSet = {
  version: '2026.1',
  effectiveFrom: '2025-01-01',
  rules: [
    {
      id: 'detainer_hold',
      label: 'ICE detainer 48-hour hold',
      trigger: { kind: 'detainer_release_eligible' },
      occurrence: 'latest',
      period: { kind: 'elapsed_hours', hours: 48, outerLimitHours: 48 },
      rollForward: false,
      zone: 'custody',
      citation:
        'ICE form I-247A (2017): "not to exceed 48 hours beyond the time he or she would otherwise have been released"; outer limit 8 CFR 287.7(d) (48 hours excluding Saturdays, Sundays and holidays)',
    },
    {
      id: 'bond_hearing',
      label: 'Bond hearing',
      trigger: { kind: 'event', eventType: 'hearing_scheduled', match: { hearingType: 'bond' } },
      occurrence: 'latest',
      period: { kind: 'at_time', field: 'scheduledAt' },
      rollForward: false,
      zone: 'court',
      citation: '8 CFR 1236.1(d), 1003.19',
    },
    {
      id: 'bond_request_after_release',
      label: 'Request to change bond conditions after release',
      trigger: { kind: 'released_from_ice' },
      occurrence: 'latest',
      period: { kind: 'days', days: 7 },
      ...CUSTODY_DAY_RULE,
      citation: '8 CFR 1236.1(d)(1)',
    },
    {
      id: 'bond_appeal',
      label: 'Bond appeal to the BIA (received by)',
      trigger: { kind: 'event', eventType: 'bond_decision' },
      occurrence: 'latest',
      period: { kind: 'days', days: 30 },
      rollForward: true,
      zone: 'bia',
      citation: '8 CFR 1003.38(b), 1236.1(d)(3)(i)',
    },
    {
      id: 'bia_merits_appeal',
      label: 'BIA appeal of the IJ decision (received by)',
      trigger: { kind: 'event', eventType: 'ij_decision' },
      occurrence: 'latest',
      period: { kind: 'days', days: 30 },
      rollForward: true,
      zone: 'bia',
      citation: '8 CFR 1003.38(b), 1240.15',
    },
    {
      id: 'motion_to_reconsider',
      label: 'Motion to reconsider',
      trigger: { kind: 'event', eventType: 'final_order' },
      occurrence: 'latest',
      period: { kind: 'days', days: 30 },
      rollForward: true,
      zone: 'order_issuer',
      citation: 'INA 240(c)(6)(B)',
    },
    {
      id: 'motion_to_reopen',
      label: 'Motion to reopen',
      trigger: { kind: 'event', eventType: 'final_order' },
      occurrence: 'latest',
      period: { kind: 'days', days: 90 },
      rollForward: true,
      zone: 'order_issuer',
      citation: 'INA 240(c)(7)(C)(i)',
    },
    {
      id: 'petition_for_review',
      label: 'Petition for review (circuit court)',
      trigger: { kind: 'event', eventType: 'final_order' },
      occurrence: 'latest',
      period: { kind: 'days', days: 30 },
      rollForward: true,
      zone: 'court',
      citation: 'INA 242(b)(1); FRAP 26(a)',
      note: 'Filing does not stay removal: a stay must be requested separately.',
    },
    {
      id: 'motion_to_reopen_in_absentia',
      label: 'Motion to reopen an in absentia order (exceptional circumstances)',
      trigger: { kind: 'event', eventType: 'in_absentia_order' },
      occurrence: 'latest',
      period: { kind: 'days', days: 180 },
      rollForward: true,
      zone: 'court',
      citation: 'INA 240(b)(5)(C)',
      note: 'For lack of notice, INA 240(b)(5)(C)(ii) sets no time limit.',
    },
    {
      id: 'asylum_one_year',
      label: 'Asylum one-year filing deadline',
      trigger: { kind: 'event', eventType: 'entered_us' },
      occurrence: 'latest',
      period: { kind: 'years', years: 1 },
      ...CUSTODY_DAY_RULE,
      citation: 'INA 208(a)(2)(B)',
      note: 'Counted from the last arrival; an arrival on 29 February counts to 28 February (the earlier reading).',
    },
    {
      id: 'voluntary_departure',
      label: 'Voluntary departure: leave the U.S. by',
      trigger: { kind: 'event', eventType: 'voluntary_departure_granted' },
      occurrence: 'latest',
      period: { kind: 'granted_days', maxDays: 60, maxDaysPreConclusion: 120 },
      ...CUSTODY_DAY_RULE,
      citation: 'INA 240B(b)(2)',
    },
    {
      id: 'eoir33_change_of_address',
      label: 'Change of address to the immigration court (EOIR-33)',
      trigger: { kind: 'event', eventType: 'address_changed' },
      occurrence: 'each',
      period: { kind: 'days', days: 5 },
      ...CUSTODY_DAY_RULE,
      citation: 'EOIR Policy Manual, Appendix C',
    },
    {
      id: 'daca_renewal',
      label: 'DACA renewal filing window',
      trigger: { kind: 'event', eventType: 'daca_expires' },
      occurrence: 'latest',
      period: { kind: 'window_before', opensDaysBefore: 150, dueDaysBefore: 120 },
      rollForward: false,
      zone: 'custody',
      citation: 'USCIS guidance (file 150 to 120 days before expiration)',
      note: 'Guidance, not a regulation: a later filing is still accepted but risks a gap in status.',
    },
  ],
  flags: {
    bond_eligibility_contested: {
      label:
        'Bond eligibility contested: judges may find no bond jurisdiction; still request the bond hearing and keep its deadline',
      citation:
        'Matter of Q. Li, 29 I&N Dec. 66 (BIA 2025); Matter of Yajure Hurtado, 29 I&N Dec. 216 (BIA 2025); INA 236(c)',
    },
    jail_287g: {
      label: 'Booked in a jail with a 287(g) agreement: high risk of an ICE detainer',
      citation: 'INA 287(g)',
    },
    in_absentia_order: {
      label: 'In absentia order: route to an attorney experienced with motions to reopen',
      citation: 'INA 240(b)(5)',
    },
    removal_order: {
      label: 'Final removal order: route to an attorney experienced with post-order relief',
      citation: 'INA 240(c)(6), 240(c)(7), 242(b)(1)',
    },
    detained_without_counsel: {
      label: 'Detained with no attorney on record',
    },
    transferred: {
      label: 'Transferred between facilities: check the court, its time zone and attorney coverage',
    },
  },
};

/** Changes of 2026.2 to a rule of 2026.1, by rule id. */
const CHANGES_2026_2: Record<string, Partial<DeadlineRule>> = {
  // A corrected release-eligible time wins even when earlier (bail posted before the projected release); the hold is
  // over once no jail holds the person.
  detainer_hold: { trigger: { kind: 'detainer_release_eligible', whileJailMayHold: true }, occurrence: 'last_recorded' },
  // A hearing is an appointment: a bond decision at or after it was set ends it, and it is missed only a day later.
  bond_hearing: {
    trigger: { kind: 'event', eventType: 'hearing_scheduled', match: { hearingType: 'bond' }, endedBy: 'bond_decision' },
    missedAfterHours: 24,
  },
  // A corrected expiration date wins even when earlier.
  daca_renewal: { occurrence: 'last_recorded' },
};

/** 2026.2: corrections to forecasts, clocks that end, hearings as appointments (docs/deadlines.md, "Rule sets"). */
export const RULE_SET_2026_2: RuleSet = {
  ...RULE_SET_2026_1,
  version: '2026.2',
  effectiveFrom: '2026-11-25',
  rules: RULE_SET_2026_1.rules.map((rule) => ({ ...rule, ...CHANGES_2026_2[rule.id] })),
};

/** Changes of 2026.3 to a rule of 2026.2, by rule id. */
const CHANGES_2026_3: Record<string, Partial<DeadlineRule>> = {
  // The last day ends at midnight where the circuit clerk is (FRAP 26(a)(4)(B)), not where the order was made: a
  // Denver midnight is an hour after the Fifth Circuit's, in New Orleans.
  // Its day ends at the earliest midnight the circuit could have; it is missed only once the latest (San Francisco's,
  // three hours after Eastern) has passed too: a filing may still be on time in the Ninth Circuit.
  petition_for_review: { zone: 'circuit', citation: 'INA 242(b)(1)-(2); FRAP 26(a)(4)(B)', missedAfterHours: 3 },
};

/**
 * Rules new in 2026.3: a ruling on a motion (to reopen, to reconsider) that denies it starts a clock of its own, beside
 * the order's, which it neither ends nor restarts (Stone v. INS, 514 U.S. 386 (1995)). Each ruling counts.
 */
const NEW_IN_2026_3: DeadlineRule[] = [
  {
    id: 'petition_for_review_of_motion',
    label: 'Petition for review of the BIA\'s denial of a motion (circuit court)',
    trigger: { kind: 'event', eventType: 'motion_decided', match: { issuedBy: 'bia', outcome: 'denied' } },
    occurrence: 'each',
    missedAfterHours: 3,
    period: { kind: 'days', days: 30 },
    rollForward: true,
    zone: 'circuit',
    citation: 'INA 242(b)(1), (b)(6); FRAP 26(a)(4)(B)',
    note: 'A petition of its own: the one for the order of removal runs on; filing does not stay removal.',
  },
  {
    id: 'bia_appeal_of_motion',
    label: 'BIA appeal of the IJ\'s denial of a motion (received by)',
    trigger: { kind: 'event', eventType: 'motion_decided', match: { issuedBy: 'ij', outcome: 'denied' } },
    occurrence: 'each',
    period: { kind: 'days', days: 30 },
    rollForward: true,
    zone: 'bia',
    citation: '8 CFR 1003.3(a)(1), 1003.38(b)',
    note: 'Filing does not stay removal: a stay must be requested separately.',
  },
];

/** 2026.3: the petition for review ends at the circuit clerk's midnight; motion rulings (docs/deadlines.md, "Rules"). */
export const RULE_SET_2026_3: RuleSet = {
  ...RULE_SET_2026_2,
  version: '2026.3',
  effectiveFrom: '2026-11-26',
  rules: [...RULE_SET_2026_2.rules.map((rule) => ({ ...rule, ...CHANGES_2026_3[rule.id] })), ...NEW_IN_2026_3],
};

/** A ruling that grants a motion to reopen or to reconsider: the order it was about no longer stands. */
export const GRANTED_MOTION: Ending = { eventType: 'motion_decided', match: { outcome: 'granted' }, laterDay: true, withinIssuerReach: true };

/** A ruling that grants a motion to reopen: the only one that rescinds an in absentia order (INA 240(b)(5)(C)). */
export const GRANTED_REOPENING: Ending = { ...GRANTED_MOTION, match: { outcome: 'granted', motion: 'reopen' } };

/** The same trigger as in 2026.3, ended by a granted motion. */
function endedByGrant(ruleId: string): Partial<DeadlineRule> {
  const trigger = RULE_SET_2026_3.rules.find((rule) => rule.id === ruleId)?.trigger;
  if (trigger?.kind !== 'event') throw new Error(`rule ${ruleId} has no event trigger in 2026.3`);
  return { trigger: { ...trigger, endedBy: GRANTED_MOTION } };
}

/** A petition for review: ended by a granted motion, and filed in the circuit recorded as the venue, when it is. */
function petitionInVenue(ruleId: string): Partial<DeadlineRule> {
  return { ...endedByGrant(ruleId), zone: 'venue_circuit' };
}

/**
 * Changes of 2026.4 to a rule of 2026.3, by rule id. A granted motion to reopen vacates the order, and a granted motion
 * to reconsider reopens the decision: until a new order is recorded (a final_order, whose own clocks then start),
 * nothing runs from the old one, nor from an earlier denial of a motion about it.
 */
const CHANGES_2026_4: Record<string, Partial<DeadlineRule>> = {
  motion_to_reconsider: endedByGrant('motion_to_reconsider'),
  motion_to_reopen: endedByGrant('motion_to_reopen'),
  petition_for_review: petitionInVenue('petition_for_review'),
  petition_for_review_of_motion: petitionInVenue('petition_for_review_of_motion'),
  bia_appeal_of_motion: endedByGrant('bia_appeal_of_motion'),
  motion_to_reopen_in_absentia: { trigger: { kind: 'event', eventType: 'in_absentia_order', endedBy: GRANTED_REOPENING } },
};

/**
 * 2026.4: a granted motion ends the clocks and the flag of the order it vacated; a petition for review's circuit can
 * be given (`venueState`) instead of inferred (docs/deadlines.md, "Rules"). In force from the day 2026.3 took effect,
 * which it replaces: released later that day (between two sets of the same day, the one listed later is in force).
 */
export const RULE_SET_2026_4: RuleSet = {
  ...RULE_SET_2026_3,
  version: '2026.4',
  effectiveFrom: '2026-11-26',
  rules: RULE_SET_2026_3.rules.map((rule) => ({ ...rule, ...CHANGES_2026_4[rule.id] })),
  flagsReadRulings: true,
};

/**
 * Changes of 2026.5 to a rule of 2026.4, by rule id. A bond decision ends the hearing in force once it was held, by its
 * day: one recorded by its date ends a hearing set and held that same day (a detained client's bond hearing is often
 * set and held within a day), and one dated before the hearing ends nothing; a granted motion to reconsider or reopen
 * a judge's decision ends the BIA appeal of it, as it ends an order's clocks.
 */
const CHANGES_2026_5: Record<string, Partial<DeadlineRule>> = {
  bond_hearing: {
    trigger: {
      kind: 'event', eventType: 'hearing_scheduled', match: { hearingType: 'bond' },
      endedBy: { eventType: 'bond_decision', heldBy: 'scheduledAt', latestOnly: true },
    },
  },
  bia_merits_appeal: { trigger: { kind: 'event', eventType: 'ij_decision', endedBy: GRANTED_MOTION } },
};

/**
 * 2026.5: a bond decision recorded by its date ends a hearing set that day; a granted motion ends the BIA appeal of the
 * judge's decision it reopened (docs/deadlines.md, "Rules"); a reinstated removal order is flagged. In force from the
 * day 2026.4 took effect, which it replaces (released later that day).
 */
export const RULE_SET_2026_5: RuleSet = {
  ...RULE_SET_2026_4,
  version: '2026.5',
  effectiveFrom: '2026-11-26',
  rules: RULE_SET_2026_4.rules.map((rule) => ({ ...rule, ...CHANGES_2026_5[rule.id] })),
  flags: {
    ...RULE_SET_2026_4.flags,
    // No deadline of its own: DHS reinstates the order without a hearing; a fear claim goes to an asylum officer, and
    // then possibly to a judge in withholding-only proceedings. The attorney needs that experience now.
    reinstated_order: {
      label: 'Prior removal order reinstated: route to an attorney experienced with post-order relief (fear claims, withholding only)',
      citation: 'INA 241(a)(5); 8 CFR 241.8, 208.31',
    },
  },
};

/**
 * Changes of 2026.6 to a rule of 2026.5, by rule id. A hearing moved by a notice entered by its date alone is moved
 * (the notice was read as midnight, before a setting entered with its time the same day or later); a release-eligible
 * time of a booking that ended (released, or transferred) does not come back when the person is booked again.
 */
const CHANGES_2026_6: Record<string, Partial<DeadlineRule>> = {
  bond_hearing: { occurrence: 'latest_by_day' },
  detainer_hold: { trigger: { kind: 'detainer_release_eligible', whileJailMayHold: true, endedByRelease: true, byDay: true } },
};

/**
 * 2026.6: hearing notices by their day; a booking's hold ends with it (docs/deadlines.md, "Rules"). In force from the
 * day 2026.5 took effect, which it replaces (released later).
 */
export const RULE_SET_2026_6: RuleSet = {
  ...RULE_SET_2026_5,
  version: '2026.6',
  effectiveFrom: '2026-11-26',
  rules: RULE_SET_2026_5.rules.map((rule) => ({ ...rule, ...CHANGES_2026_6[rule.id] })),
  eventsByDay: true,
};

/** Changes of 2026.7 to a rule of 2026.6, by rule id: re-detention by ICE ends the request after a release. */
const CHANGES_2026_7: Record<string, Partial<DeadlineRule>> = {
  bond_request_after_release: { trigger: { kind: 'released_from_ice', whileOutOfIce: true } },
};

/**
 * 2026.7: the 7-day request after a release from ICE is over once ICE detains the person again (it stayed open, then
 * went missed and critical, beside "Detained by ICE"). In force from the day 2026.6 took effect, which it replaces
 * (released later); migration `1764004600000` makes the open cases it can change due for review.
 */
export const RULE_SET_2026_7: RuleSet = {
  ...RULE_SET_2026_6,
  version: '2026.7',
  effectiveFrom: '2026-11-26',
  rules: RULE_SET_2026_6.rules.map((rule) => ({ ...rule, ...CHANGES_2026_7[rule.id] })),
};

/**
 * Changes of 2026.8 to a rule of 2026.7, by rule id: a release from ICE after a bond hearing was set and before its
 * time ends it (the custody it was to review is over; a change of the release's conditions is the 7-day request's),
 * unless ICE detained the person again after the release.
 */
const CHANGES_2026_8: Record<string, Partial<DeadlineRule>> = {
  bond_hearing: {
    trigger: {
      kind: 'event', eventType: 'hearing_scheduled', match: { hearingType: 'bond' },
      endedBy: [
        { eventType: 'bond_decision', heldBy: 'scheduledAt', latestOnly: true },
        { eventType: 'released', match: { from: 'ice' }, byDay: true, whileOutOfIce: true, before: 'scheduledAt' },
      ],
    },
  },
};

/**
 * 2026.8: a release from ICE ends the bond hearing set before it and not yet held (it stayed open, then went missed and critical 24
 * hours after its time, and every coordinator was emailed about a hearing of someone released). In force from the day
 * 2026.7 took effect, which it replaces (released later); migration `1764004800000` makes the open cases it can change
 * due for review.
 */
export const RULE_SET_2026_8: RuleSet = {
  ...RULE_SET_2026_7,
  version: '2026.8',
  effectiveFrom: '2026-11-26',
  rules: RULE_SET_2026_7.rules.map((rule) => ({ ...rule, ...CHANGES_2026_8[rule.id] })),
};

/**
 * Changes of 2026.9 to a rule of 2026.8, by rule id: each bond decision has its own appeal (8 CFR 1003.38(b): 30 days
 * from that decision). A redetermination (8 CFR 1003.19(e)) does not end the appeal of the decision before it, and
 * the written decision mailed after an oral one does not move the appeal the oral one started: under `latest` the
 * later decision's deadline replaced the earlier's, which left the board, and the one still running was shown a month
 * late or not at all.
 */
const CHANGES_2026_9: Record<string, Partial<DeadlineRule>> = {
  bond_appeal: { occurrence: 'each_by_day' },
};

/**
 * 2026.9: a bond appeal for each bond decision (docs/deadlines.md, "Rules"). In force from 2026-11-27 (Eastern), the
 * day it was released; migration `1764005500000` makes the open cases it can change due for review.
 */
export const RULE_SET_2026_9: RuleSet = {
  ...RULE_SET_2026_8,
  version: '2026.9',
  effectiveFrom: '2026-11-27',
  rules: RULE_SET_2026_8.rules.map((rule) => ({ ...rule, ...CHANGES_2026_9[rule.id] })),
};

/**
 * Changes of 2026.10 to a rule of 2026.9, by rule id: the same ruling on a motion, or the same change of address,
 * entered twice (by its date, then with its time) is one, as a bond decision is since 2026.9. Under `each` it had two
 * deadlines due at the same time: the one marked filed left its twin open, to be swept missed and alerted.
 */
const CHANGES_2026_10: Record<string, Partial<DeadlineRule>> = {
  petition_for_review_of_motion: { occurrence: 'each_by_day', sameDayDistinctBy: ['motion'] },
  bia_appeal_of_motion: { occurrence: 'each_by_day', sameDayDistinctBy: ['motion'] },
  eoir33_change_of_address: { occurrence: 'each_by_day' },
};

/**
 * 2026.10: one deadline for a ruling or an address change entered twice (docs/deadlines.md, "Rules"). In force from
 * 2026-11-27 (Eastern), the day 2026.9 took effect, which it replaces (released later that day); migration
 * `1764005700000` makes the open cases it can change due for review.
 */
export const RULE_SET_2026_10: RuleSet = {
  ...RULE_SET_2026_9,
  version: '2026.10',
  effectiveFrom: '2026-11-27',
  rules: RULE_SET_2026_9.rules.map((rule) => ({ ...rule, ...CHANGES_2026_10[rule.id] })),
};

/**
 * 2026.11: the same rules; a detainer in unknown custody raises `detained_without_counsel` (`detainerInUnknownCustody`).
 * Under 2026.10 such a case, with no release time known, read low ("No open deadlines") and was not routed on intake.
 * In force from 2026-11-27 (Eastern), the day 2026.10 took effect, which it replaces (released later that day);
 * migration `1764005900000` makes the open cases in unknown custody due for review.
 */
export const RULE_SET_2026_11: RuleSet = {
  ...RULE_SET_2026_10,
  version: '2026.11',
  effectiveFrom: '2026-11-27',
  detainerInUnknownCustody: true,
};

/**
 * 2026.12: the same rules; the entries of a one-a-day rule are told apart by the day they count from
 * (`entriesByCountedDay`). In force from 2026-11-27 (Eastern), the day 2026.11 took effect, which it replaces (released
 * later that day); migration `1764006600000` makes the open cases it can change due for review.
 */
export const RULE_SET_2026_12: RuleSet = {
  ...RULE_SET_2026_11,
  version: '2026.12',
  effectiveFrom: '2026-11-27',
  entriesByCountedDay: true,
};

/** Changes of 2026.13 to a rule of 2026.12, by rule id: a same-day re-booking's hold. */
const CHANGES_2026_13: Record<string, Partial<DeadlineRule>> = {
  detainer_hold: { trigger: { kind: 'detainer_release_eligible', whileJailMayHold: true, endedByRelease: true, byDay: true, sameDayByRecord: true } },
};

/**
 * 2026.13: a release (or transfer) and a release-eligible time of the same day, one given by its date alone, are
 * ordered as recorded (`sameDayByRecord`): released that day, booked again and a new time recorded after, the person
 * has a new 48-hour hold (2026.12 took the release for the end of the new booking too, and computed none). In force
 * from 2026-11-28 (Eastern); migration `1764006700000` makes the open cases it can change due for review.
 */
export const RULE_SET_2026_13: RuleSet = {
  ...RULE_SET_2026_12,
  version: '2026.13',
  effectiveFrom: '2026-11-28',
  rules: RULE_SET_2026_12.rules.map((rule) => ({ ...rule, ...CHANGES_2026_13[rule.id] })),
};

/** Every rule set, oldest first. Add a new version here; never edit a released one (flag labels aside, see above). */
export const RULE_SETS: readonly RuleSet[] = [
  RULE_SET_2026_1, RULE_SET_2026_2, RULE_SET_2026_3, RULE_SET_2026_4, RULE_SET_2026_5, RULE_SET_2026_6, RULE_SET_2026_7,
  RULE_SET_2026_8, RULE_SET_2026_9, RULE_SET_2026_10, RULE_SET_2026_11, RULE_SET_2026_12, RULE_SET_2026_13,
];

export const CURRENT_RULE_SET: RuleSet = RULE_SETS[RULE_SETS.length - 1];

/**
 * The rule set in force on `at`: the latest whose effectiveFrom is not after it, in Eastern time; of two with the same
 * effectiveFrom, the one listed later in `sets` (a fix released the day its set took effect).
 */
export function ruleSetFor(at: Date, sets: readonly RuleSet[] = RULE_SETS): RuleSet {
  if (Number.isNaN(at.getTime())) throw new DeadlineInputError('INVALID_DATE', 'at', 'expected a valid Date');
  const day = DateTime.fromJSDate(at, { zone: tz(BIA_TIME_ZONE) }).toISODate() as string;
  const inForce = sets.filter((set) => set.effectiveFrom <= day).sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  const found = inForce[inForce.length - 1];
  if (!found) throw new DeadlineInputError('NO_RULE_SET', 'at', `no rule set in force on ${day}`);
  return found;
}

/**
 * Hours after its due time that an open deadline of each rule becomes missed, for the rules that wait (appointments);
 * the missed sweep's SQL reads it as JSON (`{"bond_hearing": 24}`). Rule ids are stable across rule set versions.
 */
export function missedGraceHours(ruleSet: RuleSet = CURRENT_RULE_SET): Record<string, number> {
  return Object.fromEntries(ruleSet.rules.filter((r) => r.missedAfterHours).map((r) => [r.id, r.missedAfterHours as number]));
}
