import { computeDeadlines } from './compute-deadlines';
import { DeadlineInputError } from './errors';
import { computeFlags } from './flags';
import { CURRENT_RULE_SET, RULE_SET_2026_1, RULE_SET_2026_2, RULE_SET_2026_3, RULE_SET_2026_4, RULE_SET_2026_5, RULE_SET_2026_6, RULE_SET_2026_7, RULE_SET_2026_8, RULE_SET_2026_9, RULE_SET_2026_10, RULE_SET_2026_11, RULE_SET_2026_12, RULE_SET_2026_13, RULE_SETS, missedGraceHours, ruleSetFor, type RuleSet } from './rule-set';
import type { CaseEventFact, CaseFacts, ComputedDeadline } from './types';

const CHICAGO = 'America/Chicago';

function facts(events: Omit<CaseEventFact, 'id'>[], custody: Partial<CaseFacts['custody']> = {}): CaseFacts {
  return {
    custody: { status: 'unknown', timeZone: CHICAGO, ...custody },
    events: events.map((event, i) => ({ id: `evt-${i + 1}`, ...event })),
  };
}

function only(list: ComputedDeadline[], rule: string): ComputedDeadline {
  const found = list.filter((d) => d.rule === rule);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('computeDeadlines: every rule', () => {
  type Row = [string, CaseFacts, string, Partial<ComputedDeadline>];
  const rows: Row[] = [
    [
      'detainer from intake custody facts: due +48 h, outer limit skips the weekend',
      facts([], { status: 'local_jail', detainerLodged: true, releaseEligibleAt: '2026-11-20T16:00:00-06:00' }),
      'detainer_hold',
      {
        dueAt: '2026-11-22T16:00:00-06:00',
        outerLimitAt: '2026-11-24T16:00:00-06:00',
        opensAt: '2026-11-20T16:00:00-06:00',
        timeZone: CHICAGO,
      },
    ],
    [
      'detainer across the end of DST (Chicago, 1 Nov 2026): 48 real hours',
      facts([
        { type: 'release_eligible', occurredAt: '2026-10-31T12:00:00-05:00' },
        { type: 'detainer_lodged', occurredAt: '2026-10-29T09:00:00-05:00' },
      ]),
      'detainer_hold',
      { dueAt: '2026-11-02T11:00:00-06:00', outerLimitAt: '2026-11-04T00:00:00-06:00', triggerEventId: 'evt-1' },
    ],
    [
      'detainer in Arizona (no DST): same wall time two days later',
      facts([{ type: 'release_eligible', occurredAt: '2026-10-31T12:00:00-07:00' }], {
        timeZone: 'America/Phoenix',
        detainerLodged: true,
      }),
      'detainer_hold',
      { dueAt: '2026-11-02T12:00:00-07:00', outerLimitAt: '2026-11-04T00:00:00-07:00', timeZone: 'America/Phoenix' },
    ],
    [
      'bond hearing: the hearing time in the court zone',
      facts([
        {
          type: 'hearing_scheduled',
          occurredAt: '2026-11-20T10:00:00-06:00',
          data: { hearingType: 'bond', scheduledAt: '2026-12-01T09:00:00-07:00', timeZone: 'America/Denver' },
        },
      ]),
      'bond_hearing',
      { dueAt: '2026-12-01T09:00:00-07:00', timeZone: 'America/Denver', citation: '8 CFR 1236.1(d), 1003.19' },
    ],
    [
      'bond hearing without a court zone: the case zone',
      facts([
        {
          type: 'hearing_scheduled',
          occurredAt: '2026-11-20T10:00:00-06:00',
          data: { hearingType: 'bond', scheduledAt: '2026-12-01T09:00:00-07:00' },
        },
      ]),
      'bond_hearing',
      { dueAt: '2026-12-01T10:00:00-06:00', timeZone: CHICAGO },
    ],
    [
      'bond request after release: 7 days landing on Thanksgiving rolls to Friday',
      facts([{ type: 'released', occurredAt: '2026-11-19T15:00:00-06:00', data: { from: 'ice' } }]),
      'bond_request_after_release',
      { dueAt: '2026-11-27T23:59:59.999-06:00', citation: '8 CFR 1236.1(d)(1)' },
    ],
    [
      'bond request after release from custody facts',
      facts([], { status: 'released', releasedFrom: 'ice', releasedAt: '2026-11-30T10:00:00-06:00' }),
      'bond_request_after_release',
      { dueAt: '2026-12-07T23:59:59.999-06:00' },
    ],
    [
      'bond appeal: 30 days to Fri 3 Jul 2026 (observed holiday), rolls to Mon 6 Jul, Eastern',
      facts([{ type: 'bond_decision', occurredAt: '2026-06-03T11:00:00-05:00', data: { outcome: 'denied' } }]),
      'bond_appeal',
      { dueAt: '2026-07-06T23:59:59.999-04:00', timeZone: 'America/New_York' },
    ],
    [
      'BIA merits appeal: 30 days to Juneteenth (Fri), rolls to Monday',
      facts([{ type: 'ij_decision', occurredAt: '2026-05-20T10:00:00-07:00', data: { timeZone: 'America/Los_Angeles' } }]),
      'bia_merits_appeal',
      { dueAt: '2026-06-22T23:59:59.999-04:00', timeZone: 'America/New_York', citation: '8 CFR 1003.38(b), 1240.15' },
    ],
    [
      'BIA merits appeal: the decision day is the court\'s local day, not Eastern (10:30 PM Pacific)',
      facts([{ type: 'ij_decision', occurredAt: '2026-09-01T22:30:00-07:00', data: { timeZone: 'America/Los_Angeles' } }]),
      'bia_merits_appeal',
      { dueAt: '2026-10-01T23:59:59.999-04:00' },
    ],
    [
      'motion to reconsider: 30 days, court zone',
      facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00' }]),
      'motion_to_reconsider',
      { dueAt: '2026-04-01T23:59:59.999-05:00', timeZone: CHICAGO, citation: 'INA 240(c)(6)(B)' },
    ],
    [
      'motion to reconsider a BIA order: Eastern',
      facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00', data: { issuedBy: 'bia' } }]),
      'motion_to_reconsider',
      { dueAt: '2026-04-01T23:59:59.999-04:00', timeZone: 'America/New_York' },
    ],
    [
      'motion to reopen: 90 days to Sun 31 May, rolls to Monday',
      facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00' }]),
      'motion_to_reopen',
      { dueAt: '2026-06-01T23:59:59.999-05:00', citation: 'INA 240(c)(7)(C)(i)' },
    ],
    [
      'petition for review: 30 days, does not stay removal, ends at the Fifth Circuit clerk\'s midnight for Texas',
      facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00', data: { issuedBy: 'bia' } }], { states: ['TX'] }),
      'petition_for_review',
      { dueAt: '2026-04-01T23:59:59.999-05:00', timeZone: CHICAGO, note: expect.stringContaining('does not stay removal') },
    ],
    [
      'petition for review from an order made in Denver\'s zone (El Paso): the Fifth Circuit\'s midnight, an hour earlier',
      facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-07:00', data: { timeZone: 'America/Denver' } }], { timeZone: 'America/Denver', states: ['TX'] }),
      'petition_for_review',
      { dueAt: '2026-04-01T23:59:59.999-05:00', timeZone: CHICAGO },
    ],
    [
      'petition for review in the Tenth Circuit (Colorado): Denver\'s midnight',
      facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-07:00' }], { timeZone: 'America/Denver', states: ['CO'] }),
      'petition_for_review',
      { dueAt: '2026-04-01T23:59:59.999-06:00', timeZone: 'America/Denver' },
    ],
    [
      'petition for review after a transfer from Georgia to Louisiana: the Eleventh Circuit\'s (earlier) midnight',
      facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00' }], { states: ['LA', 'GA'] }),
      'petition_for_review',
      { dueAt: '2026-04-01T23:59:59.999-04:00', timeZone: 'America/New_York' },
    ],
    [
      'petition for review with no state known: Eastern, the earliest midnight of any circuit',
      facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-08:00' }], { timeZone: 'America/Los_Angeles' }),
      'petition_for_review',
      { dueAt: '2026-04-01T23:59:59.999-04:00', timeZone: 'America/New_York' },
    ],
    [
      'motion to reopen in absentia: 180 days to Sat 11 Jul, rolls to Monday',
      facts([{ type: 'in_absentia_order', occurredAt: '2026-01-12T09:00:00-06:00' }]),
      'motion_to_reopen_in_absentia',
      { dueAt: '2026-07-13T23:59:59.999-05:00', citation: 'INA 240(b)(5)(C)' },
    ],
    [
      'asylum one year to Thanksgiving, rolls to Friday',
      facts([{ type: 'entered_us', occurredAt: '2025-11-26T12:00:00-06:00' }]),
      'asylum_one_year',
      { dueAt: '2026-11-27T23:59:59.999-06:00', citation: 'INA 208(a)(2)(B)' },
    ],
    [
      'asylum one year from 29 Feb 2024: 28 Feb 2025 (Fri)',
      facts([{ type: 'entered_us', occurredAt: '2024-02-29' }]),
      'asylum_one_year',
      { dueAt: '2025-02-28T23:59:59.999-06:00' },
    ],
    [
      'asylum one year on a Saturday rolls to Monday',
      facts([{ type: 'entered_us', occurredAt: '2025-03-14T08:00:00-05:00' }]),
      'asylum_one_year',
      { dueAt: '2026-03-16T23:59:59.999-05:00' },
    ],
    [
      'voluntary departure 60 days to Sun 1 Nov, rolls to Monday (now CST)',
      facts([{ type: 'voluntary_departure_granted', occurredAt: '2026-09-02T10:00:00-05:00', data: { days: 60 } }]),
      'voluntary_departure',
      { dueAt: '2026-11-02T23:59:59.999-06:00', citation: 'INA 240B(b)(2)' },
    ],
    [
      'voluntary departure before the end of proceedings may reach 120 days',
      facts([
        { type: 'voluntary_departure_granted', occurredAt: '2026-09-02T10:00:00-05:00', data: { days: 90, stage: 'pre_conclusion' } },
      ]),
      'voluntary_departure',
      { dueAt: '2026-12-01T23:59:59.999-06:00' },
    ],
    [
      'EOIR-33: 5 days to Veterans Day, rolls to Thursday',
      facts([{ type: 'address_changed', occurredAt: '2026-11-06T12:00:00-06:00' }]),
      'eoir33_change_of_address',
      { dueAt: '2026-11-12T23:59:59.999-06:00', citation: 'EOIR Policy Manual, Appendix C' },
    ],
    [
      'petition for review of the BIA\'s denial of a motion: 30 days, at the circuit clerk\'s midnight',
      facts([{ type: 'motion_decided', occurredAt: '2026-03-02T10:00:00-06:00', data: { issuedBy: 'bia', outcome: 'denied', motion: 'reconsider' } }], { states: ['TX'] }),
      'petition_for_review_of_motion',
      { dueAt: '2026-04-01T23:59:59.999-05:00', timeZone: CHICAGO, citation: 'INA 242(b)(1), (b)(6); FRAP 26(a)(4)(B)' },
    ],
    [
      'BIA appeal of the judge\'s denial of a motion: 30 days from the day in Los Angeles, Juneteenth rolls it to Monday',
      facts([{ type: 'motion_decided', occurredAt: '2026-05-20T10:00:00-07:00', data: { issuedBy: 'ij', outcome: 'denied', timeZone: 'America/Los_Angeles' } }]),
      'bia_appeal_of_motion',
      { dueAt: '2026-06-22T23:59:59.999-04:00', timeZone: 'America/New_York' },
    ],
    [
      'DACA renewal: opens 150 days before, due 120 days before, calendar days (no roll: Sun 15 Nov)',
      facts([{ type: 'daca_expires', occurredAt: '2027-03-15' }]),
      'daca_renewal',
      { opensAt: '2026-10-16T00:00:00-05:00', dueAt: '2026-11-15T23:59:59.999-06:00' },
    ],
  ];

  it.each(rows)('%s', (_name, input, rule, expected) => {
    const deadline = only(computeDeadlines(input), rule);
    expect(deadline).toEqual(expect.objectContaining(expected));
    expect(deadline.ruleVersion).toBe(CURRENT_RULE_SET.version);
    expect(deadline.citation.length).toBeGreaterThan(0);
  });

  it('covers every rule in the current set', () => {
    expect(new Set(rows.map((r) => r[2]))).toEqual(new Set(CURRENT_RULE_SET.rules.map((r) => r.id)));
  });
});

describe('computeDeadlines: triggers', () => {
  describe('a detainer lifted by ICE', () => {
    const jail = { status: 'local_jail' as const, releaseEligibleAt: '2026-11-20T16:00:00-06:00' };
    const holds = (input: CaseFacts) => computeDeadlines(input).filter((d) => d.rule === 'detainer_hold').length;

    it.each<[string, CaseFacts, number]>([
      ['lodged at intake, lifted later: no hold', facts([{ type: 'detainer_lifted', occurredAt: '2026-11-19T10:00:00-06:00' }], { ...jail, detainerLodged: true }), 0],
      [
        'lodged, then lifted: no hold',
        facts([{ type: 'detainer_lodged', occurredAt: '2026-11-18T09:00:00-06:00' }, { type: 'detainer_lifted', occurredAt: '2026-11-19T10:00:00-06:00' }], jail),
        0,
      ],
      [
        'lifted, then lodged again: a hold',
        facts([{ type: 'detainer_lifted', occurredAt: '2026-11-18T09:00:00-06:00' }, { type: 'detainer_lodged', occurredAt: '2026-11-19T10:00:00-06:00' }], { ...jail, detainerLodged: true }),
        1,
      ],
      [
        'the later in time wins, not the one recorded later: lodged on the 19th, a lifting of the 18th recorded after it',
        facts([{ type: 'detainer_lodged', occurredAt: '2026-11-19T10:00:00-06:00' }, { type: 'detainer_lifted', occurredAt: '2026-11-18' }], jail),
        1,
      ],
    ])('%s', (_name, input, expected) => {
      expect(holds(input)).toBe(expected);
    });

    it('a lifted detainer no longer makes a jail stay detention for ICE (no flag for want of counsel)', () => {
      const lifted = facts([{ type: 'detainer_lifted', occurredAt: '2026-11-19T10:00:00-06:00' }], { ...jail, detainerLodged: true });
      expect(computeFlags({ ...lifted, hasCounsel: false }).map((f) => f.code)).not.toContain('detained_without_counsel');
      expect(computeFlags({ ...facts([], { ...jail, detainerLodged: true }), hasCounsel: false }).map((f) => f.code)).toContain('detained_without_counsel');
    });
  });

  it('needs a detainer before the release-eligible time starts a hold', () => {
    const list = computeDeadlines(facts([{ type: 'release_eligible', occurredAt: '2026-11-20T16:00:00-06:00' }]));
    expect(list.map((d) => d.rule)).not.toContain('detainer_hold');
  });

  it('a trigger from custody facts has no triggerEventId and a custody key', () => {
    const input = facts([], { detainerLodged: true, releaseEligibleAt: '2026-11-20T16:00:00-06:00' });
    const deadline = only(computeDeadlines(input), 'detainer_hold');
    expect(deadline.triggerEventId).toBeUndefined();
    expect(deadline.key).toBe('detainer_hold:custody@2026-11-20T22:00:00.000Z');
  });

  it('a release_eligible event overrides the intake releaseEligibleAt', () => {
    const input = facts([{ type: 'release_eligible', occurredAt: '2026-11-25T09:00:00-06:00' }], {
      detainerLodged: true,
      releaseEligibleAt: '2026-11-20T16:00:00-06:00',
    });
    expect(only(computeDeadlines(input), 'detainer_hold').dueAt).toBe('2026-11-27T09:00:00-06:00');
  });

  it('a corrected release-eligible time wins even when it is earlier (the one recorded last, not the latest time)', () => {
    // Projected sentence end first; then bail is posted, five days sooner.
    const input = facts(
      [
        { type: 'release_eligible', occurredAt: '2026-11-25T09:00:00-06:00' },
        { type: 'release_eligible', occurredAt: '2026-11-20T16:00:00-06:00' },
      ],
      { status: 'local_jail', detainerLodged: true },
    );
    const hold = only(computeDeadlines(input), 'detainer_hold');
    expect(hold.dueAt).toBe('2026-11-22T16:00:00-06:00');
    expect(hold.outerLimitAt).toBe('2026-11-24T16:00:00-06:00');
    expect(hold.triggerEventId).toBe('evt-2');
  });

  it('a corrected DACA expiry date wins even when it is earlier', () => {
    const input = facts([
      { type: 'daca_expires', occurredAt: '2027-05-15' },
      { type: 'daca_expires', occurredAt: '2027-03-15' },
    ]);
    expect(only(computeDeadlines(input), 'daca_renewal').dueAt).toBe('2026-11-15T23:59:59.999-06:00');
  });

  it.each(['ice_detention', 'released', 'not_detained'] as const)('no detainer hold once the custody is %s: no jail holds the person', (status) => {
    const input = facts([{ type: 'release_eligible', occurredAt: '2026-11-20T16:00:00-06:00' }], { status, detainerLodged: true });
    expect(computeDeadlines(input).filter((d) => d.rule === 'detainer_hold')).toEqual([]);
  });

  it('a detainer hold is still computed while the custody is unknown', () => {
    const input = facts([], { status: 'unknown', detainerLodged: true, releaseEligibleAt: '2026-11-20T16:00:00-06:00' });
    expect(only(computeDeadlines(input), 'detainer_hold').dueAt).toBe('2026-11-22T16:00:00-06:00');
  });

  it('a bond decision at or after the hearing was set ends the bond hearing; one before a new setting does not', () => {
    const hearing = (occurredAt: string, scheduledAt: string) =>
      ({ type: 'hearing_scheduled' as const, occurredAt, data: { hearingType: 'bond', scheduledAt } });
    const decision = (occurredAt: string) => ({ type: 'bond_decision' as const, occurredAt, data: { outcome: 'denied' } });
    const ended = facts([hearing('2026-11-02T09:00:00-06:00', '2026-11-10T09:00:00-06:00'), decision('2026-11-10T11:00:00-06:00')]);
    expect(computeDeadlines(ended).filter((d) => d.rule === 'bond_hearing')).toEqual([]);
    // A redetermination set after that decision is a hearing to come.
    const again = facts([
      hearing('2026-11-02T09:00:00-06:00', '2026-11-10T09:00:00-06:00'),
      decision('2026-11-10T11:00:00-06:00'),
      hearing('2026-11-16T09:00:00-06:00', '2026-11-24T09:00:00-06:00'),
    ]);
    expect(only(computeDeadlines(again), 'bond_hearing').dueAt).toBe('2026-11-24T09:00:00-06:00');
  });

  it('a date-only hearing setting is read in its zone when a decision is compared with it', () => {
    const la = (events: Omit<CaseEventFact, 'id'>[]) => ({ ...facts(events), custody: { status: 'ice_detention' as const, timeZone: 'America/Los_Angeles' } });
    // Set on 10 Nov (a local day in Los Angeles); the decision on the evening of the 9th was on an earlier hearing.
    const input = la([
      { type: 'hearing_scheduled', occurredAt: '2026-11-10', data: { hearingType: 'bond', scheduledAt: '2026-11-20T09:00:00-08:00' } },
      { type: 'bond_decision', occurredAt: '2026-11-09T18:00:00-08:00', data: { outcome: 'denied' } },
    ]);
    expect(only(computeDeadlines(input), 'bond_hearing').dueAt).toBe('2026-11-20T09:00:00-08:00');
  });

  it('rule set 2026.1 keeps what it computed: changes came in 2026.2, in force from 25 Nov 2026 (Eastern), and 2026.3 then 2026.4 from the 26th', () => {
    const held = facts([{ type: 'release_eligible', occurredAt: '2026-11-20T16:00:00-06:00' }], { status: 'ice_detention', detainerLodged: true });
    expect(computeDeadlines(held, RULE_SET_2026_1).map((d) => d.rule)).toContain('detainer_hold');
    expect(computeDeadlines(held, RULE_SET_2026_2).map((d) => d.rule)).not.toContain('detainer_hold');
    const corrected = facts(
      [{ type: 'release_eligible', occurredAt: '2026-11-25T09:00:00-06:00' }, { type: 'release_eligible', occurredAt: '2026-11-20T16:00:00-06:00' }],
      { status: 'local_jail', detainerLodged: true },
    );
    expect(only(computeDeadlines(corrected, RULE_SET_2026_1), 'detainer_hold')).toMatchObject({ dueAt: '2026-11-27T09:00:00-06:00', ruleVersion: '2026.1' });
    expect(only(computeDeadlines(corrected, RULE_SET_2026_2), 'detainer_hold')).toMatchObject({ dueAt: '2026-11-22T16:00:00-06:00', ruleVersion: '2026.2' });
    expect(ruleSetFor(new Date('2026-11-25T04:59:00Z')).version).toBe('2026.1'); // 23:59 on the 24th in Falls Church
    expect(ruleSetFor(new Date('2026-11-25T05:00:00Z')).version).toBe('2026.2');
    // 2026.4, then 2026.5 to 2026.8, replaced 2026.3 the day it took effect: of sets of the same day, the one listed last.
    expect(ruleSetFor(new Date('2026-11-26T05:00:00Z')).version).toBe('2026.8');
    // 2026.9 from the 27th, in Falls Church, replaced by 2026.10 that day.
    expect(ruleSetFor(new Date('2026-11-27T04:59:00Z')).version).toBe('2026.8');
    expect(ruleSetFor(new Date('2026-11-27T05:00:00Z'), RULE_SETS.slice(0, 9)).version).toBe('2026.9');
    expect(ruleSetFor(new Date('2026-11-27T05:00:00Z'), RULE_SETS.slice(0, 10)).version).toBe('2026.10');
    expect(ruleSetFor(new Date('2026-11-27T05:00:00Z'), RULE_SETS.slice(0, 11)).version).toBe('2026.11');
    expect(ruleSetFor(new Date('2026-11-27T05:00:00Z')).version).toBe('2026.12');
    expect(ruleSetFor(new Date('2026-11-28T04:59:00Z')).version).toBe('2026.12');
    expect(ruleSetFor(new Date('2026-11-28T05:00:00Z')).version).toBe('2026.13');
    expect(ruleSetFor(new Date('2026-11-26T05:00:00Z'), [RULE_SET_2026_1, RULE_SET_2026_2, RULE_SET_2026_3, RULE_SET_2026_4]).version).toBe('2026.4');
    expect(ruleSetFor(new Date('2026-11-26T05:00:00Z'), [RULE_SET_2026_1, RULE_SET_2026_2, RULE_SET_2026_3]).version).toBe('2026.3');
    expect(CURRENT_RULE_SET).toBe(RULE_SET_2026_13);
    // 2026.3 changes only where a petition for review's day ends.
    const ordered = facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-07:00' }], { timeZone: 'America/Denver', states: ['CO'] });
    expect(only(computeDeadlines(ordered, RULE_SET_2026_2), 'petition_for_review')).toMatchObject({ timeZone: 'America/Denver', ruleVersion: '2026.2' });
    const changed = RULE_SET_2026_3.rules.filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(RULE_SET_2026_2.rules[i])).map((rule) => rule.id);
    expect(changed).toEqual(['petition_for_review', 'petition_for_review_of_motion', 'bia_appeal_of_motion']);
    // Missed only once San Francisco's midnight has passed too: the Ninth Circuit's clerk may still take it.
    expect(missedGraceHours(RULE_SET_2026_3)).toMatchObject({ petition_for_review: 3 });
    expect(missedGraceHours(RULE_SET_2026_2)).not.toHaveProperty('petition_for_review');
  });

  it('a denied motion starts a petition of its own beside the order\'s, which runs on; a granted one starts nothing', () => {
    const ordered = { type: 'final_order' as const, occurredAt: '2026-01-05T10:00:00-05:00', data: { issuedBy: 'bia' } };
    const denied = facts([ordered, { type: 'motion_decided', occurredAt: '2026-01-20T10:00:00-05:00', data: { issuedBy: 'bia', outcome: 'denied', motion: 'reconsider' } }], { states: ['NY'] });
    const list = computeDeadlines(denied);
    expect(only(list, 'petition_for_review')).toMatchObject({ dueAt: '2026-02-04T23:59:59.999-05:00', triggerEventId: 'evt-1' });
    expect(only(list, 'petition_for_review_of_motion')).toMatchObject({ dueAt: '2026-02-19T23:59:59.999-05:00', triggerEventId: 'evt-2' });
    // The motion to reopen still runs from the order, not the ruling.
    expect(only(list, 'motion_to_reopen').triggerEventId).toBe('evt-1');
    const granted = facts([ordered, { type: 'motion_decided', occurredAt: '2026-01-20T10:00:00-05:00', data: { issuedBy: 'bia', outcome: 'granted' } }]);
    expect(computeDeadlines(granted).map((d) => d.rule)).not.toContain('petition_for_review_of_motion');
  });

  describe('rule set 2026.4: a granted motion ends the clocks of the order it vacated', () => {
    const ordered = { type: 'final_order' as const, occurredAt: '2026-01-05T10:00:00-05:00', data: { issuedBy: 'bia' } };
    const ruling = (outcome: string, motion: string, occurredAt = '2026-01-20T10:00:00-05:00') =>
      ({ type: 'motion_decided' as const, occurredAt, data: { issuedBy: 'bia', outcome, motion } });
    const ORDER_RULES = ['motion_to_reconsider', 'motion_to_reopen', 'petition_for_review'];
    const rules = (list: ComputedDeadline[]) => list.map((d) => d.rule).sort();

    it('a granted motion to reopen or to reconsider ends the order\'s three clocks; 2026.3 left them open', () => {
      for (const motion of ['reopen', 'reconsider']) {
        const granted = facts([ordered, ruling('granted', motion)], { states: ['NY'] });
        expect(computeDeadlines(granted, RULE_SET_2026_4)).toEqual([]);
        expect(rules(computeDeadlines(granted, RULE_SET_2026_3))).toEqual(ORDER_RULES);
      }
    });

    it('a new order after the grant starts its clocks again; a grant before the order ends nothing', () => {
      const reordered = facts([ordered, ruling('granted', 'reopen'), { type: 'final_order', occurredAt: '2026-06-01T10:00:00-05:00' }], { states: ['NY'] });
      const list = computeDeadlines(reordered, RULE_SET_2026_4);
      expect(rules(list)).toEqual(ORDER_RULES);
      expect(list.every((d) => d.triggerEventId === 'evt-3')).toBe(true);
      // Recorded out of order: a grant in December 2025 was about an earlier order, not this one.
      const earlier = facts([ordered, ruling('granted', 'reopen', '2025-12-01T10:00:00-05:00')], { states: ['NY'] });
      expect(rules(computeDeadlines(earlier, RULE_SET_2026_4))).toEqual(ORDER_RULES);
    });

    it('a denial is ended too by a later grant (the proceedings are reopened); a denial ends nothing', () => {
      const denied = facts([ordered, ruling('denied', 'reconsider')], { states: ['NY'] });
      expect(rules(computeDeadlines(denied, RULE_SET_2026_4))).toEqual([...ORDER_RULES, 'petition_for_review_of_motion'].sort());
      const thenGranted = facts([ordered, ruling('denied', 'reconsider'), ruling('granted', 'reopen', '2026-02-10T10:00:00-05:00')], { states: ['NY'] });
      expect(computeDeadlines(thenGranted, RULE_SET_2026_4)).toEqual([]);
      const judge = facts([{ ...ordered, data: { issuedBy: 'ij' } }, { ...ruling('denied', 'reopen'), data: { issuedBy: 'ij', outcome: 'denied', motion: 'reopen' } }, ruling('granted', 'reopen', '2026-02-10T10:00:00-05:00')]);
      expect(computeDeadlines(judge, RULE_SET_2026_4)).toEqual([]);
    });

    it('an in absentia order\'s motion to reopen ends only with a granted motion to reopen', () => {
      const absentia = { type: 'in_absentia_order' as const, occurredAt: '2026-01-05T10:00:00-05:00' };
      const reconsidered = facts([absentia, ruling('granted', 'reconsider')]);
      expect(rules(computeDeadlines(reconsidered, RULE_SET_2026_4))).toEqual(['motion_to_reopen_in_absentia']);
      expect(computeDeadlines(facts([absentia, ruling('granted', 'reopen')]), RULE_SET_2026_4)).toEqual([]);
      expect(computeDeadlines(facts([absentia, ruling('denied', 'reopen')]), RULE_SET_2026_4).map((d) => d.rule)).toContain('motion_to_reopen_in_absentia');
    });

    it('a grant the same day as an order, or a date-only one, is not about it: reconsidered and dismissed in one decision', () => {
      const NY = { states: ['NY'], timeZone: 'America/New_York' };
      const reordered = (grantAt: string, orderAt: string) =>
        facts([ordered, ruling('granted', 'reconsider', grantAt), { type: 'final_order', occurredAt: orderAt, data: { issuedBy: 'bia' } }], NY);
      for (const [grantAt, orderAt] of [
        ['2026-03-10T10:00:00-05:00', '2026-03-10T10:00:00-05:00'], // the same instant
        ['2026-03-10T14:00:00-05:00', '2026-03-10'], // a timed grant, a date-only order the same day
        ['2026-03-10', '2026-03-10T09:00:00-05:00'],
      ]) {
        const list = computeDeadlines(reordered(grantAt, orderAt), RULE_SET_2026_4);
        expect(rules(list)).toEqual(ORDER_RULES);
        expect(list.every((d) => d.triggerEventId === 'evt-3')).toBe(true);
        expect(computeFlags(reordered(grantAt, orderAt), RULE_SET_2026_4).map((f) => f.code)).toContain('removal_order');
      }
      // The day after, it ends the order.
      const next = facts([ordered, ruling('granted', 'reopen', '2026-01-06')], NY);
      expect(computeDeadlines(next, RULE_SET_2026_4)).toEqual([]);
    });

    it('a judge\'s grant does not end what the BIA issued; the BIA\'s ends a judge\'s order', () => {
      const judgeGrant = { type: 'motion_decided' as const, occurredAt: '2026-01-20T10:00:00-05:00', data: { issuedBy: 'ij', outcome: 'granted', motion: 'reconsider' } };
      const bia = facts([ordered, judgeGrant], { states: ['NY'] });
      expect(rules(computeDeadlines(bia, RULE_SET_2026_4))).toEqual(ORDER_RULES);
      expect(computeFlags(bia, RULE_SET_2026_4).map((f) => f.code)).toContain('removal_order');
      // An order with no issuer is the judge's: the judge's grant ends it, and so does the BIA's.
      expect(computeDeadlines(facts([{ ...ordered, data: {} }, judgeGrant]), RULE_SET_2026_4)).toEqual([]);
      expect(computeDeadlines(facts([{ ...ordered, data: { issuedBy: 'ij' } }, ruling('granted', 'reopen')]), RULE_SET_2026_4)).toEqual([]);
    });

    it('the flags of 2026.3 read the orders alone', () => {
      const granted = facts([ordered, ruling('granted', 'reopen')]);
      expect(computeFlags(granted, RULE_SET_2026_3).map((f) => f.code)).toContain('removal_order');
      expect(computeFlags(granted, RULE_SET_2026_4).map((f) => f.code)).not.toContain('removal_order');
      expect(computeFlags(facts([ruling('denied', 'reopen')]), RULE_SET_2026_3).map((f) => f.code)).not.toContain('removal_order');
    });

    it('the venue state recorded on the order decides the petition\'s circuit; a ruling without one takes the latest order\'s', () => {
      // Held in Texas (Fifth Circuit, New Orleans), the judge sat in California: the Ninth Circuit's clerk's midnight.
      const venue = { ...ordered, data: { issuedBy: 'bia', venueState: 'CA' } };
      const list = computeDeadlines(facts([venue, ruling('denied', 'reconsider')], { states: ['TX'] }), RULE_SET_2026_4);
      expect(only(list, 'petition_for_review')).toMatchObject({ dueAt: '2026-02-04T23:59:59.999-08:00', timeZone: 'America/Los_Angeles' });
      expect(only(list, 'petition_for_review_of_motion')).toMatchObject({ dueAt: '2026-02-19T23:59:59.999-08:00', timeZone: 'America/Los_Angeles' });
      // 2026.3 reads no venue: the earliest circuit of the states held.
      expect(only(computeDeadlines(facts([venue], { states: ['TX'] }), RULE_SET_2026_3), 'petition_for_review').timeZone).toBe(CHICAGO);
      // A ruling's own venue wins over the order's; an unknown code falls back to the states held.
      const own = facts([venue, { ...ruling('denied', 'reconsider'), data: { issuedBy: 'bia', outcome: 'denied', motion: 'reconsider', venueState: 'co' } }], { states: ['TX'] });
      expect(only(computeDeadlines(own, RULE_SET_2026_4), 'petition_for_review_of_motion').timeZone).toBe('America/Denver');
      const unknown = facts([{ ...ordered, data: { venueState: 'ZZ' } }], { states: ['TX'] });
      expect(only(computeDeadlines(unknown, RULE_SET_2026_4), 'petition_for_review').timeZone).toBe(CHICAGO);
      // Not an order recorded after the ruling: that one's venue is its own proceedings'.
      const later = facts([ordered, ruling('denied', 'reconsider'), { type: 'final_order', occurredAt: '2026-02-05T10:00:00-05:00', data: { issuedBy: 'bia', venueState: 'CA' } }], { states: ['NY'] });
      expect(only(computeDeadlines(later, RULE_SET_2026_4), 'petition_for_review_of_motion').timeZone).toBe('America/New_York');
      // The order's other clocks do not move: the BIA's are Eastern.
      expect(only(list, 'motion_to_reopen').timeZone).toBe('America/New_York');
    });

    it('changes only the rules of orders and rulings on motions', () => {
      const changed = RULE_SET_2026_4.rules.filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(RULE_SET_2026_3.rules[i])).map((rule) => rule.id);
      expect(changed.sort()).toEqual([...ORDER_RULES, 'bia_appeal_of_motion', 'motion_to_reopen_in_absentia', 'petition_for_review_of_motion'].sort());
      expect(missedGraceHours(RULE_SET_2026_4)).toEqual(missedGraceHours(RULE_SET_2026_3));
    });
  });

  it('a later decision supersedes an earlier one whatever the order they were recorded in', () => {
    const input = facts([
      { type: 'ij_decision', occurredAt: '2026-11-10T10:00:00-06:00', data: { outcome: 'removal_ordered' } },
      { type: 'ij_decision', occurredAt: '2026-10-01T10:00:00-05:00', data: { outcome: 'removal_ordered' } },
    ]);
    expect(only(computeDeadlines(input), 'bia_merits_appeal').triggerEventId).toBe('evt-1');
    // So were bond decisions until 2026.9, which gives each its own appeal.
    const bond = facts([
      { type: 'bond_decision', occurredAt: '2026-11-10T10:00:00-06:00', data: { outcome: 'denied' } },
      { type: 'bond_decision', occurredAt: '2026-10-01T10:00:00-05:00', data: { outcome: 'denied' } },
    ]);
    expect(only(computeDeadlines(bond, RULE_SET_2026_8), 'bond_appeal').triggerEventId).toBe('evt-1');
  });

  it('ignores non-bond hearings and releases from a jail', () => {
    const list = computeDeadlines(
      facts([
        { type: 'hearing_scheduled', occurredAt: '2026-11-20T10:00:00-06:00', data: { hearingType: 'master', scheduledAt: '2026-12-01T09:00:00-06:00' } },
        { type: 'released', occurredAt: '2026-11-20T10:00:00-06:00', data: { from: 'jail' } },
      ]),
    );
    expect(list).toEqual([]);
  });

  it('a rescheduled bond hearing replaces the earlier one, under a new key', () => {
    const first = { type: 'hearing_scheduled' as const, occurredAt: '2026-11-20T10:00:00-06:00', data: { hearingType: 'bond', scheduledAt: '2026-12-01T09:00:00-06:00' } };
    const second = { type: 'hearing_scheduled' as const, occurredAt: '2026-11-24T10:00:00-06:00', data: { hearingType: 'bond', scheduledAt: '2026-12-03T13:00:00-06:00' } };
    const before = only(computeDeadlines(facts([first])), 'bond_hearing');
    const after = only(computeDeadlines(facts([second, first])), 'bond_hearing');
    expect(after.dueAt).toBe('2026-12-03T13:00:00-06:00');
    expect(after.triggerEventId).toBe('evt-1');
    expect(after.key).not.toBe(before.key);
  });

  it('between two reschedulings recorded at the same time, the one recorded later wins', () => {
    const at = '2026-11-20T10:00:00-06:00';
    const early = { type: 'hearing_scheduled' as const, occurredAt: at, data: { hearingType: 'bond', scheduledAt: '2026-12-01T09:00:00-06:00' } };
    const late = { type: 'hearing_scheduled' as const, occurredAt: at, data: { hearingType: 'bond', scheduledAt: '2026-12-08T09:00:00-06:00' } };
    expect(only(computeDeadlines(facts([early, late])), 'bond_hearing').dueAt).toBe('2026-12-08T09:00:00-06:00');
    expect(only(computeDeadlines(facts([late, early])), 'bond_hearing').dueAt).toBe('2026-12-01T09:00:00-06:00');
  });

  it('each address change has its own EOIR-33 deadline', () => {
    const list = computeDeadlines(
      facts([
        { type: 'address_changed', occurredAt: '2026-11-20T12:00:00-06:00' },
        { type: 'address_changed', occurredAt: '2026-11-06T12:00:00-06:00' },
      ]),
    );
    expect(list.map((d) => d.dueAt)).toEqual(['2026-11-12T23:59:59.999-06:00', '2026-11-25T23:59:59.999-06:00']);
  });

  it('is deterministic and order-independent, with stable keys', () => {
    const events: Omit<CaseEventFact, 'id'>[] = [
      { type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00' },
      { type: 'entered_us', occurredAt: '2025-03-14T08:00:00-05:00' },
      { type: 'address_changed', occurredAt: '2026-11-06T12:00:00-06:00' },
    ];
    const input = facts(events);
    const reversed: CaseFacts = { ...input, events: [...input.events].reverse() };
    expect(computeDeadlines(reversed)).toEqual(computeDeadlines(input));
    const keys = computeDeadlines(input).map((d) => d.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('motion_to_reopen:evt-1@2026-03-02T16:00:00.000Z');
  });

  describe('rule set 2026.9', () => {
    const decision = (occurredAt: string, outcome = 'denied'): Omit<CaseEventFact, 'id'> => ({ type: 'bond_decision', occurredAt, data: { outcome } });
    const appeals = (events: Omit<CaseEventFact, 'id'>[], set: RuleSet = RULE_SET_2026_9) =>
      computeDeadlines(facts(events, { status: 'ice_detention' }), set)
        .filter((d) => d.rule === 'bond_appeal')
        .map((d) => ({ dueAt: d.dueAt, triggerEventId: d.triggerEventId, ruleVersion: d.ruleVersion }));

    it('each bond decision has its own appeal: a redetermination does not hide the appeal of the decision before it', () => {
      // Denied Mon 2 Nov; redetermined (bond set) Tue 10 Nov. Each appeal is due 30 days after its own decision,
      // received by the BIA (Eastern): Wed 2 Dec and Thu 10 Dec.
      const events = [decision('2026-11-02T10:00:00-06:00'), decision('2026-11-10T14:00:00-06:00', 'granted')];
      expect(appeals(events)).toEqual([
        { dueAt: '2026-12-02T23:59:59.999-05:00', triggerEventId: 'evt-1', ruleVersion: '2026.9' },
        { dueAt: '2026-12-10T23:59:59.999-05:00', triggerEventId: 'evt-2', ruleVersion: '2026.9' },
      ]);
      // 2026.8 kept the latest decision's alone: the first appeal, due first, was not followed.
      expect(appeals(events, RULE_SET_2026_8)).toEqual([{ dueAt: '2026-12-10T23:59:59.999-05:00', triggerEventId: 'evt-2', ruleVersion: '2026.8' }]);
      // The written decision mailed after the oral one does not move the appeal the oral one started.
      expect(appeals([decision('2026-11-02T10:00:00-06:00'), decision('2026-11-09')]).map((d) => d.dueAt))
        .toEqual(['2026-12-02T23:59:59.999-05:00', '2026-12-09T23:59:59.999-05:00']);
    });

    it('the same decision entered twice in a day is one appeal, from the entry recorded last', () => {
      expect(appeals([decision('2026-11-02'), decision('2026-11-02T10:00:00-06:00')]))
        .toEqual([{ dueAt: '2026-12-02T23:59:59.999-05:00', triggerEventId: 'evt-2', ruleVersion: '2026.9' }]);
      expect(appeals([decision('2026-11-02T16:00:00-06:00'), decision('2026-11-02T10:00:00-06:00')]))
        .toEqual([{ dueAt: '2026-12-02T23:59:59.999-05:00', triggerEventId: 'evt-2', ruleVersion: '2026.9' }]);
      // The day is where the decision was made: 23:30 in Chicago on the 2nd is the 2nd, though Eastern is on the 3rd.
      expect(appeals([decision('2026-11-02T23:30:00-06:00'), decision('2026-11-03T09:00:00-06:00')])).toHaveLength(2);
      expect(appeals([decision('2026-11-02T23:30:00-06:00'), decision('2026-11-02')])).toHaveLength(1);
    });

    it('2026.9 changes no other rule', () => {
      const changed = RULE_SET_2026_9.rules.filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(RULE_SET_2026_8.rules[i])).map((rule) => rule.id);
      expect(changed).toEqual(['bond_appeal']);
      expect(RULE_SET_2026_9.flags).toEqual(RULE_SET_2026_8.flags);
    });
  });

  describe('rule set 2026.10', () => {
    const motion = (occurredAt: string, data: Record<string, unknown> = {}): Omit<CaseEventFact, 'id'> =>
      ({ type: 'motion_decided', occurredAt, data: { issuedBy: 'bia', outcome: 'denied', motion: 'reopen', ...data } });
    const due = (rule: string, events: Omit<CaseEventFact, 'id'>[], set: RuleSet = RULE_SET_2026_10) =>
      computeDeadlines(facts(events, { status: 'ice_detention', states: ['TX'] }), set)
        .filter((d) => d.rule === rule)
        .map((d) => ({ dueAt: d.dueAt, triggerEventId: d.triggerEventId }));

    it('the same ruling on a motion entered twice, by its date and with its time, is one deadline: the entry recorded last', () => {
      // Denied by the BIA on Fri 20 Nov 2026: the petition for review is due 30 days later, Sun 20 Dec, rolled to Mon 21
      // Dec, at the Fifth Circuit's midnight (New Orleans).
      const twice = [motion('2026-11-20'), motion('2026-11-20T11:00:00-05:00')];
      expect(due('petition_for_review_of_motion', twice)).toEqual([{ dueAt: '2026-12-21T23:59:59.999-06:00', triggerEventId: 'evt-2' }]);
      // 2026.9 had one for each entry, due the same time: the one marked filed left its twin to be swept missed.
      expect(due('petition_for_review_of_motion', twice, RULE_SET_2026_9)).toHaveLength(2);
      const byJudge = [motion('2026-11-20', { issuedBy: 'ij' }), motion('2026-11-20T11:00:00-06:00', { issuedBy: 'ij' })];
      expect(due('bia_appeal_of_motion', byJudge)).toEqual([{ dueAt: '2026-12-21T23:59:59.999-05:00', triggerEventId: 'evt-2' }]);
      expect(due('bia_appeal_of_motion', byJudge, RULE_SET_2026_9)).toHaveLength(2);
    });

    it('rulings on two motions the same day, or on one motion on two days, each keep their own deadline', () => {
      expect(due('petition_for_review_of_motion', [motion('2026-11-20'), motion('2026-11-20', { motion: 'reconsider' })])).toEqual([
        { dueAt: '2026-12-21T23:59:59.999-06:00', triggerEventId: 'evt-1' },
        { dueAt: '2026-12-21T23:59:59.999-06:00', triggerEventId: 'evt-2' },
      ]);
      expect(due('bia_appeal_of_motion', [motion('2026-11-20', { issuedBy: 'ij' }), motion('2026-11-23', { issuedBy: 'ij' })]).map((d) => d.dueAt))
        .toEqual(['2026-12-21T23:59:59.999-05:00', '2026-12-23T23:59:59.999-05:00']);
    });

    it('the same change of address entered twice is one EOIR-33 deadline; two days, two', () => {
      const moved = (occurredAt: string): Omit<CaseEventFact, 'id'> => ({ type: 'address_changed', occurredAt });
      expect(due('eoir33_change_of_address', [moved('2026-11-24'), moved('2026-11-24T15:00:00-06:00')]))
        .toEqual([{ dueAt: '2026-11-30T23:59:59.999-06:00', triggerEventId: 'evt-2' }]);
      expect(due('eoir33_change_of_address', [moved('2026-11-24'), moved('2026-11-24T15:00:00-06:00')], RULE_SET_2026_9)).toHaveLength(2);
      expect(due('eoir33_change_of_address', [moved('2026-11-23'), moved('2026-11-24')])).toHaveLength(2);
    });

    it('2026.10 changes only these three rules', () => {
      const changed = RULE_SET_2026_10.rules.filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(RULE_SET_2026_9.rules[i])).map((rule) => rule.id);
      expect(changed.sort()).toEqual(['bia_appeal_of_motion', 'eoir33_change_of_address', 'petition_for_review_of_motion']);
      expect(RULE_SET_2026_10.flags).toEqual(RULE_SET_2026_9.flags);
    });

    it('2026.11 changes no rule (only what the flags read of a detainer)', () => {
      expect(RULE_SET_2026_11.rules.map((rule) => ({ ...rule }))).toEqual(RULE_SET_2026_10.rules.map((rule) => ({ ...rule })));
      expect(RULE_SET_2026_11.flags).toEqual(RULE_SET_2026_10.flags);
      expect([RULE_SET_2026_10.detainerInUnknownCustody, RULE_SET_2026_11.detainerInUnknownCustody]).toEqual([undefined, true]);
    });
  });

  describe('rule set 2026.12', () => {
    it('at a place whose zone is uncertain, entries are one a day by the day counted from, not the day in the zone they were read in', () => {
      // "Nashville, TN": counted in Eastern, days read in Central. Moved at 11:30 PM Central on Thu 5 Nov (already Fri 6
      // Nov in Eastern) and again on Fri 6 Nov: two moves, two EOIR-33 deadlines (Tue 10 Nov, Thu 12 Nov after
      // Veterans Day). 2026.11 took them for one day's and kept the later.
      const moves: Omit<CaseEventFact, 'id'>[] = [{ type: 'address_changed', occurredAt: '2026-11-05T23:30:00-06:00' }, { type: 'address_changed', occurredAt: '2026-11-06' }];
      const eoir33 = (set: RuleSet) => computeDeadlines(facts(moves, { timeZone: 'America/New_York', dayZone: CHICAGO }), set)
        .filter((d) => d.rule === 'eoir33_change_of_address').map((d) => d.dueAt);
      expect(eoir33(RULE_SET_2026_12)).toEqual(['2026-11-10T23:59:59.999-05:00', '2026-11-12T23:59:59.999-05:00']);
      expect(eoir33(RULE_SET_2026_11)).toEqual(['2026-11-12T23:59:59.999-05:00']);
    });

    it('2026.12 changes no rule (only how one-a-day entries are told apart)', () => {
      expect(RULE_SET_2026_12.rules.map((rule) => ({ ...rule }))).toEqual(RULE_SET_2026_11.rules.map((rule) => ({ ...rule })));
      expect(RULE_SET_2026_12.flags).toEqual(RULE_SET_2026_11.flags);
      expect([RULE_SET_2026_11.entriesByCountedDay, RULE_SET_2026_12.entriesByCountedDay]).toEqual([undefined, true]);
    });
  });

  describe('rule set 2026.13', () => {
    const jail = { status: 'local_jail', detainerLodged: true } as const;
    const holds = (events: Omit<CaseEventFact, 'id'>[], set: RuleSet = RULE_SET_2026_13, custody: object = jail) =>
      computeDeadlines(facts(events, custody), set).filter((d) => d.rule === 'detainer_hold');

    it('released on a day entered by its date, then booked again with a new time that day: the new booking\'s hold', () => {
      const rebooked: Omit<CaseEventFact, 'id'>[] = [
        { type: 'release_eligible', occurredAt: '2027-06-15T09:00:00-05:00' },
        { type: 'released', occurredAt: '2027-06-17', data: { from: 'jail' } },
        { type: 'release_eligible', occurredAt: '2027-06-17T18:00:00-05:00' },
      ];
      expect(holds(rebooked).map((d) => [d.triggerEventId, d.dueAt])).toEqual([['evt-3', '2027-06-19T18:00:00-05:00']]);
      expect(holds(rebooked, RULE_SET_2026_12)).toEqual([]);
      // A transfer entered by its date, then the new facility's time: the same.
      const moved: Omit<CaseEventFact, 'id'>[] = [rebooked[0], { type: 'transferred', occurredAt: '2027-06-17', data: { facilityCode: 'XYZ' } }, rebooked[2]];
      expect(holds(moved).map((d) => d.triggerEventId)).toEqual(['evt-3']);
    });

    it('a time of the release\'s day recorded before the release is still ended by it, as under 2026.12', () => {
      const ended: Omit<CaseEventFact, 'id'>[] = [
        { type: 'release_eligible', occurredAt: '2027-06-17T18:00:00-05:00' },
        { type: 'released', occurredAt: '2027-06-17', data: { from: 'jail' } },
      ];
      expect(holds(ended)).toEqual([]);
      expect(holds(ended, RULE_SET_2026_12)).toEqual([]);
      // The intake's own time, recorded before every event, too.
      expect(holds([ended[1]], RULE_SET_2026_13, { ...jail, releaseEligibleAt: '2027-06-17T18:00:00-05:00' })).toEqual([]);
      // Both with their times: by the clock, whatever the order they were recorded in.
      const timed: Omit<CaseEventFact, 'id'>[] = [
        { type: 'released', occurredAt: '2027-06-17T10:00:00-05:00', data: { from: 'jail' } },
        { type: 'release_eligible', occurredAt: '2027-06-17T08:00:00-05:00' },
      ];
      expect(holds(timed)).toEqual([]);
      expect(holds([timed[0], { ...timed[1], occurredAt: '2027-06-17T18:00:00-05:00' }]).map((d) => d.triggerEventId)).toEqual(['evt-2']);
    });

    it('2026.13 changes the detainer hold only', () => {
      const changed = RULE_SET_2026_13.rules.filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(RULE_SET_2026_12.rules[i])).map((rule) => rule.id);
      expect(changed).toEqual(['detainer_hold']);
      expect(RULE_SET_2026_13.flags).toEqual(RULE_SET_2026_12.flags);
    });
  });

  describe('rule set 2026.8', () => {
    const setting: Omit<CaseEventFact, 'id'> = { type: 'hearing_scheduled', occurredAt: '2026-11-20T10:00:00-06:00', data: { hearingType: 'bond', scheduledAt: '2026-12-01T09:00:00-06:00' } };
    const release = (occurredAt: string): Omit<CaseEventFact, 'id'> => ({ type: 'released', occurredAt, data: { from: 'ice' } });
    const hearing = (events: Omit<CaseEventFact, 'id'>[], set: RuleSet = RULE_SET_2026_8) =>
      computeDeadlines(facts(events, { status: 'released' }), set).filter((d) => d.rule === 'bond_hearing');

    it('a release from ICE after the hearing was set ends it; 2026.7 kept it open', () => {
      expect(hearing([setting, release('2026-11-24T15:00:00-06:00')], RULE_SET_2026_7)).toHaveLength(1);
      expect(hearing([setting, release('2026-11-24T15:00:00-06:00')])).toEqual([]);
      // Given by its date alone, the release ends a hearing set that same day, once recorded after the setting.
      expect(hearing([setting, release('2026-11-20')])).toEqual([]);
      expect(hearing([release('2026-11-20'), setting])).toHaveLength(1);
      // A hearing set after the release (ICE detained the person again, then a hearing was set) is not ended by it.
      expect(hearing([release('2026-11-18T10:00:00-06:00'), setting])).toHaveLength(1);
      // A release from a jail, not from ICE, ends nothing.
      expect(hearing([setting, { type: 'released', occurredAt: '2026-11-24T15:00:00-06:00', data: { from: 'jail' } }])).toHaveLength(1);
    });

    it('a release at or after the hearing\'s time, or on its day with no time, ends nothing: its outcome is to be recorded', () => {
      // The hearing is Tue 1 Dec, 9:00 AM CST.
      expect(hearing([setting, release('2026-12-01T08:59:00-06:00')])).toEqual([]);
      expect(hearing([setting, release('2026-12-01T09:00:00-06:00')])).toHaveLength(1);
      expect(hearing([setting, release('2026-12-01T14:00:00-06:00')])).toHaveLength(1);
      expect(hearing([setting, release('2026-12-01')])).toHaveLength(1);
      expect(hearing([setting, release('2026-11-30')])).toEqual([]);
    });

    it('a release followed by a re-detention (a transfer after it) before the hearing ends nothing: the hearing may still be held', () => {
      const back = (occurredAt: string): Omit<CaseEventFact, 'id'> => ({ type: 'transferred', occurredAt, data: { facilityCode: 'HOUICDF' } });
      const detained = (events: Omit<CaseEventFact, 'id'>[]) =>
        computeDeadlines(facts(events, { status: 'ice_detention' }), RULE_SET_2026_8).filter((d) => d.rule === 'bond_hearing');
      expect(detained([setting, release('2026-11-24T15:00:00-06:00'), back('2026-11-26T10:00:00-06:00')]))
        .toEqual([expect.objectContaining({ dueAt: '2026-12-01T09:00:00-06:00', ruleVersion: '2026.8' })]);
      // Detained again after the hearing's time: it passed while the person was out. On its day, given by date alone,
      // the re-detention may have come first: the hearing is kept (the safe error).
      expect(detained([setting, release('2026-11-24T15:00:00-06:00'), back('2026-12-10T10:00:00-06:00')])).toEqual([]);
      expect(detained([setting, release('2026-11-24T15:00:00-06:00'), back('2026-12-01T10:00:00-06:00')])).toEqual([]);
      expect(detained([setting, release('2026-11-24T15:00:00-06:00'), back('2026-12-01')])).toHaveLength(1);
      expect(detained([setting, release('2026-11-24T15:00:00-06:00'), back('2026-12-02')])).toEqual([]);
    });

    it('a bond decision still ends the hearing it follows, and 2026.8 changes no other rule', () => {
      expect(hearing([setting, { type: 'bond_decision', occurredAt: '2026-12-01T11:00:00-06:00', data: { outcome: 'granted' } }])).toEqual([]);
      const changed = RULE_SET_2026_8.rules.filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(RULE_SET_2026_7.rules[i])).map((rule) => rule.id);
      expect(changed).toEqual(['bond_hearing']);
    });
  });

  describe('rule set 2026.7', () => {
    it('the request to change bond conditions after a release from ICE is over once ICE detains the person again', () => {
      const released: Omit<CaseEventFact, 'id'>[] = [{ type: 'released', occurredAt: '2026-11-20T10:00:00-06:00', data: { from: 'ice' } }];
      const out = facts(released, { status: 'released' });
      expect(only(computeDeadlines(out, RULE_SET_2026_7), 'bond_request_after_release')).toMatchObject({ ruleVersion: '2026.7' });
      const back = facts([...released, { type: 'transferred', occurredAt: '2026-11-22T10:00:00-06:00', data: { facilityCode: 'HOUICDF' } }], { status: 'ice_detention' });
      expect(computeDeadlines(back, RULE_SET_2026_6).map((d) => d.rule)).toContain('bond_request_after_release');
      expect(computeDeadlines(back, RULE_SET_2026_7).map((d) => d.rule)).not.toContain('bond_request_after_release');
      // Judged by the events: a transfer retracted (the custody left as it set it) takes nothing away.
      expect(computeDeadlines(facts(released, { status: 'ice_detention' }), RULE_SET_2026_7).map((d) => d.rule)).toContain('bond_request_after_release');
      // A transfer the same day, recorded before the release (moved, then released): not a re-detention.
      const sameDay: Omit<CaseEventFact, 'id'>[] = [
        { type: 'transferred', occurredAt: '2026-11-20', data: { facilityCode: 'HOUICDF' } },
        { type: 'released', occurredAt: '2026-11-20', data: { from: 'ice' } },
      ];
      expect(computeDeadlines(facts(sameDay, { status: 'released' }), RULE_SET_2026_7).map((d) => d.rule)).toContain('bond_request_after_release');
      // Released again after the re-detention: seven days from the second release.
      const again = facts([...back.events.map(({ id: _id, ...e }) => e), { type: 'released', occurredAt: '2026-11-25T10:00:00-06:00', data: { from: 'ice' } }], { status: 'released' });
      expect(only(computeDeadlines(again, RULE_SET_2026_7), 'bond_request_after_release').dueAt).toBe('2026-12-02T23:59:59.999-06:00');
    });
  });

  describe('rule set 2026.6', () => {
    const bondSetting = (occurredAt: string, scheduledAt: string) => ({ type: 'hearing_scheduled' as const, occurredAt, data: { hearingType: 'bond', scheduledAt } });

    it('a hearing moved up by a notice entered by its date is moved, though the first setting was entered with its time that day', () => {
      const moved = facts([
        bondSetting('2026-11-26T15:00:00-06:00', '2026-12-06T09:00:00-06:00'),
        bondSetting('2026-11-26', '2026-11-28T09:00:00-06:00'),
      ]);
      expect(only(computeDeadlines(moved, RULE_SET_2026_6), 'bond_hearing')).toMatchObject({ triggerEventId: 'evt-2', dueAt: '2026-11-28T09:00:00-06:00', ruleVersion: '2026.6' });
      // Read as midnight, the notice came first under 2026.5, and the hearing stayed on the 6th.
      expect(only(computeDeadlines(moved, RULE_SET_2026_5), 'bond_hearing')).toMatchObject({ triggerEventId: 'evt-1' });
      // A notice of a later day still wins, in whatever order the two were entered; of the same instant, the later entered.
      const later = facts([bondSetting('2026-11-27', '2026-12-10T09:00:00-06:00'), bondSetting('2026-11-26T15:00:00-06:00', '2026-12-06T09:00:00-06:00')]);
      expect(only(computeDeadlines(later, RULE_SET_2026_6), 'bond_hearing')).toMatchObject({ triggerEventId: 'evt-1' });
      const timed = facts([bondSetting('2026-11-26T16:00:00-06:00', '2026-12-10T09:00:00-06:00'), bondSetting('2026-11-26T15:00:00-06:00', '2026-12-06T09:00:00-06:00')]);
      expect(only(computeDeadlines(timed, RULE_SET_2026_6), 'bond_hearing')).toMatchObject({ triggerEventId: 'evt-1' });
    });

    it('a release-eligible time whose booking ended (released, or transferred) does not come back when the person is booked again', () => {
      const rebooked = facts([
        { type: 'release_eligible', occurredAt: '2026-11-06T10:00:00-06:00' },
        { type: 'released', occurredAt: '2026-11-07', data: { from: 'jail' } },
      ], { status: 'local_jail', detainerLodged: true });
      expect(computeDeadlines(rebooked, RULE_SET_2026_6).map((d) => d.rule)).toEqual([]);
      expect(computeDeadlines(rebooked, RULE_SET_2026_5).map((d) => d.rule)).toEqual(['detainer_hold']);
      // Released the same day, entered by its date: that booking is over too.
      const sameDay = facts([rebooked.events[0], { ...rebooked.events[1], occurredAt: '2026-11-06' }], rebooked.custody);
      expect(computeDeadlines(sameDay, RULE_SET_2026_6).map((d) => d.rule)).toEqual([]);
      // The new booking's time, as an event or corrected on the custody, is the hold's.
      const newTime = facts([...rebooked.events, { type: 'release_eligible', occurredAt: '2026-11-26T10:00:00-06:00' }], rebooked.custody);
      expect(only(computeDeadlines(newTime, RULE_SET_2026_6), 'detainer_hold')).toMatchObject({ triggerEventId: 'evt-3', dueAt: '2026-11-28T10:00:00-06:00' });
      // With events, the intake's time never stands in (as before): it cannot be told from the one they corrected.
      const corrected = facts(rebooked.events, { ...rebooked.custody, releaseEligibleAt: '2026-11-26T10:00:00-06:00' });
      expect(computeDeadlines(corrected, RULE_SET_2026_6).map((d) => d.rule)).toEqual([]);
      // Without events, the intake's time is judged the same way.
      const intakeOnly = facts([{ type: 'released', occurredAt: '2026-11-07', data: { from: 'jail' } }], { ...rebooked.custody, releaseEligibleAt: '2026-11-06T10:00:00-06:00' });
      expect(computeDeadlines(intakeOnly, RULE_SET_2026_6).map((d) => d.rule)).toEqual([]);
      expect(computeDeadlines({ ...intakeOnly, custody: { ...intakeOnly.custody, releaseEligibleAt: '2026-11-26T10:00:00-06:00' } }, RULE_SET_2026_6).map((d) => d.rule)).toEqual(['detainer_hold']);
      // A transfer before the eligible time (an earlier booking's) ends nothing.
      const before = facts([{ type: 'transferred', occurredAt: '2026-11-01', data: { facilityCode: 'XYZ' } }, { type: 'release_eligible', occurredAt: '2026-11-06T10:00:00-06:00' }], rebooked.custody);
      expect(only(computeDeadlines(before, RULE_SET_2026_6), 'detainer_hold')).toMatchObject({ triggerEventId: 'evt-2' });
    });

    it('the time in force is judged, not one it corrected: a forecast moved earlier, then released, does not bring back the old forecast', () => {
      const corrected = facts([
        { type: 'release_eligible', occurredAt: '2026-11-10T10:00:00-06:00' },
        { type: 'release_eligible', occurredAt: '2026-11-04T10:00:00-06:00' },
        { type: 'released', occurredAt: '2026-11-06', data: { from: 'jail' } },
      ], { status: 'local_jail', detainerLodged: true });
      expect(computeDeadlines(corrected, RULE_SET_2026_6).map((d) => d.rule)).toEqual([]);
      // Nor the intake's own forecast, which the event corrected: it is that booking's, not a later one's.
      const fromIntake = facts(corrected.events.slice(1), { ...corrected.custody, releaseEligibleAt: '2026-11-10T10:00:00-06:00' });
      expect(computeDeadlines(fromIntake, RULE_SET_2026_6).map((d) => d.rule)).toEqual([]);
    });

    it('whether a detainer stands is judged by day, as the case shows it: lodged again by its date after a lift that morning', () => {
      const relodged = facts([
        { type: 'release_eligible', occurredAt: '2026-11-27T10:00:00-06:00' },
        { type: 'detainer_lifted', occurredAt: '2026-11-26T10:00:00-06:00' },
        { type: 'detainer_lodged', occurredAt: '2026-11-26' },
      ], { status: 'local_jail', detainerLodged: true });
      expect(computeDeadlines(relodged, RULE_SET_2026_6).map((d) => d.rule)).toEqual(['detainer_hold']);
      expect(computeFlags(relodged, RULE_SET_2026_6).map((f) => f.code)).toContain('detained_without_counsel');
      // Read as midnight, the lodging came before the lift under 2026.5.
      expect(computeDeadlines(relodged, RULE_SET_2026_5).map((d) => d.rule)).toEqual([]);
    });
  });

  describe('rule set 2026.5', () => {
    it('a bond decision recorded by its date ends a hearing set that same day; under 2026.4 the hearing stayed open', () => {
      const sameDay = facts([
        { type: 'hearing_scheduled', occurredAt: '2026-12-01T08:00:00-06:00', data: { hearingType: 'bond', scheduledAt: '2026-12-01T13:00:00-06:00' } },
        { type: 'bond_decision', occurredAt: '2026-12-01', data: { outcome: 'denied' } },
      ]);
      expect(computeDeadlines(sameDay, RULE_SET_2026_5).map((d) => d.rule)).toEqual(['bond_appeal']);
      expect(computeDeadlines(sameDay, RULE_SET_2026_4).map((d) => d.rule).sort()).toEqual(['bond_appeal', 'bond_hearing']);
      // A decision of the day before was about an earlier hearing; one with a time before the setting too.
      for (const occurredAt of ['2026-11-30', '2026-12-01T07:00:00-06:00']) {
        const before = facts([sameDay.events[0], { ...sameDay.events[1], occurredAt }]);
        expect(computeDeadlines(before, RULE_SET_2026_5).map((d) => d.rule).sort()).toEqual(['bond_appeal', 'bond_hearing']);
      }
    });

    it('a decision dated before the hearing in force is about an earlier one: a redetermination set after it stays', () => {
      // Bond denied on 1 Dec; that afternoon a redetermination hearing is set for the 15th; the written denial, mailed
      // the next day, is recorded by its date (as bond_appeal asks), or the oral one by its time.
      const hearing = (occurredAt: string, scheduledAt: string) => ({ type: 'hearing_scheduled' as const, occurredAt, data: { hearingType: 'bond', scheduledAt } });
      for (const decidedAt of ['2026-12-01', '2026-12-02', '2026-12-01T16:00:00-06:00']) {
        const redetermination = facts([
          hearing('2026-11-20T09:00:00-06:00', '2026-12-01T09:00:00-06:00'),
          hearing('2026-12-01T15:00:00-06:00', '2026-12-15T09:00:00-06:00'),
          { type: 'bond_decision', occurredAt: decidedAt, data: { outcome: 'denied' } },
        ]);
        expect(only(computeDeadlines(redetermination, RULE_SET_2026_5), 'bond_hearing')).toMatchObject({ triggerEventId: 'evt-2', dueAt: '2026-12-15T09:00:00-06:00' });
      }
      // Once held, a decision of that day or later ends it.
      const held = facts([hearing('2026-12-01T15:00:00-06:00', '2026-12-15T09:00:00-06:00'), { type: 'bond_decision', occurredAt: '2026-12-15', data: { outcome: 'denied' } }]);
      expect(computeDeadlines(held, RULE_SET_2026_5).map((d) => d.rule)).toEqual(['bond_appeal']);
    });

    it('a hearing moved up and decided: the setting it replaced does not come back', () => {
      const moved = facts([
        { type: 'hearing_scheduled', occurredAt: '2026-12-01T08:00:00-06:00', data: { hearingType: 'bond', scheduledAt: '2026-12-08T09:00:00-06:00' } },
        { type: 'hearing_scheduled', occurredAt: '2026-12-01T10:00:00-06:00', data: { hearingType: 'bond', scheduledAt: '2026-12-01T14:00:00-06:00' } },
        { type: 'bond_decision', occurredAt: '2026-12-01', data: { outcome: 'granted', amount: 5000 } },
      ]);
      expect(computeDeadlines(moved, RULE_SET_2026_5).map((d) => d.rule)).toEqual(['bond_appeal']);
    });

    it('a granted motion to reconsider or reopen a judge\'s decision ends the BIA appeal of it, until a new decision', () => {
      const decided = { type: 'ij_decision' as const, occurredAt: '2026-03-02T10:00:00-06:00', data: { outcome: 'removal_ordered' } };
      const granted = { type: 'motion_decided' as const, occurredAt: '2026-03-13T10:00:00-05:00', data: { issuedBy: 'ij', outcome: 'granted', motion: 'reconsider' } };
      expect(computeDeadlines(facts([decided, granted]), RULE_SET_2026_5)).toEqual([]);
      expect(computeDeadlines(facts([decided, granted]), RULE_SET_2026_4).map((d) => d.rule)).toEqual(['bia_merits_appeal']);
      // The same day is the same decision (reconsidered, and decided again); a new decision starts its clock.
      expect(computeDeadlines(facts([decided, { ...granted, occurredAt: '2026-03-02' }]), RULE_SET_2026_5).map((d) => d.rule)).toEqual(['bia_merits_appeal']);
      const again = facts([decided, granted, { ...decided, occurredAt: '2026-04-20T10:00:00-05:00' }]);
      expect(only(computeDeadlines(again, RULE_SET_2026_5), 'bia_merits_appeal').triggerEventId).toBe('evt-3');
    });

    it('changes only those two rules', () => {
      const changed = RULE_SET_2026_5.rules.filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(RULE_SET_2026_4.rules[i])).map((rule) => rule.id);
      expect(changed).toEqual(['bond_hearing', 'bia_merits_appeal']);
    });
  });

  it('returns deadlines sorted by due time', () => {
    const list = computeDeadlines(facts([{ type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00' }], { states: ['TX'] }));
    const times = list.map((d) => Date.parse(d.dueAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(list.map((d) => d.rule)).toEqual(['motion_to_reconsider', 'petition_for_review', 'motion_to_reopen']);
  });
});

describe('computeDeadlines: a place whose zone is uncertain (custody.dayZone)', () => {
  const EASTERN = 'America/New_York';
  // Placed by "Nashville, TN" (a city where the county goes): Eastern or Central. Counted in Eastern, read in Central.
  const uncertain = (events: Omit<CaseEventFact, 'id'>[], custody: Partial<CaseFacts['custody']> = {}) =>
    facts(events, { timeZone: EASTERN, dayZone: CHICAGO, ...custody });
  const due = (f: CaseFacts, rule: string) => Date.parse(only(computeDeadlines(f), rule).dueAt);

  it('a release at 11:30 PM in Nashville is on that day: the bond request ends at the end of its 7th day, Eastern', () => {
    const release = [{ type: 'released' as const, occurredAt: '2026-11-03T23:30:00-06:00', data: { from: 'ice' } }];
    expect(only(computeDeadlines(uncertain(release)), 'bond_request_after_release')).toMatchObject({
      dueAt: '2026-11-10T23:59:59.999-05:00',
      timeZone: EASTERN,
    });
    // Read in Eastern time it was the 4th: the 11th, Veterans Day, rolled to the 12th.
    expect(only(computeDeadlines(facts(release, { timeZone: EASTERN })), 'bond_request_after_release').dueAt).toBe('2026-11-12T23:59:59.999-05:00');
  });

  it('every day-based deadline ends no later than in either zone, at any hour of the trigger (DST days included)', () => {
    const starts = [Date.parse('2026-11-01T00:00:00Z'), Date.parse('2027-03-13T00:00:00Z'), Date.parse('2026-12-30T00:00:00Z')];
    const cases: [CaseEventFact['type'], Record<string, unknown>, string][] = [
      ['released', { from: 'ice' }, 'bond_request_after_release'],
      ['bond_decision', { outcome: 'denied' }, 'bond_appeal'],
      ['ij_decision', {}, 'bia_merits_appeal'],
    ];
    let checked = 0;
    for (const start of starts) {
      for (let at = start; at < start + 2 * 86_400_000; at += 15 * 60_000) {
        const occurredAt = new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
        for (const [type, data, rule] of cases) {
          const event = [{ type, occurredAt, data }];
          if (!computeDeadlines(facts(event)).some((d) => d.rule === rule)) continue;
          const either = Math.min(due(facts(event, { timeZone: EASTERN }), rule), due(facts(event, { timeZone: CHICAGO }), rule));
          expect([occurredAt, rule, due(uncertain(event), rule) <= either]).toEqual([occurredAt, rule, true]);
          checked += 1;
        }
      }
    }
    expect(checked).toBe(3 * 3 * 2 * 96);
  });

  it('a date, a zone given with the event, and a hold counted in hours are read as before', () => {
    const dated = [{ type: 'released' as const, occurredAt: '2026-11-03', data: { from: 'ice' } }];
    expect(due(uncertain(dated), 'bond_request_after_release')).toBe(due(facts(dated, { timeZone: EASTERN }), 'bond_request_after_release'));
    const court = [{ type: 'bond_decision' as const, occurredAt: '2026-11-03T23:30:00-05:00', data: { outcome: 'denied', timeZone: EASTERN } }];
    expect(due(uncertain(court), 'bond_appeal')).toBe(due(facts(court, { timeZone: EASTERN }), 'bond_appeal'));
    const hold = { status: 'local_jail' as const, detainerLodged: true, releaseEligibleAt: '2026-11-03' };
    expect(due(uncertain([], hold), 'detainer_hold')).toBe(due(facts([], { ...hold, timeZone: EASTERN }), 'detainer_hold'));
  });

  it('a dayZone that is not a zone is refused, naming it', () => {
    expect(() => computeDeadlines(uncertain([], { dayZone: 'Mars/Olympus' }))).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME_ZONE', field: 'custody.dayZone' }),
    );
  });
});

describe('computeDeadlines: invalid input', () => {
  it.each<[string, CaseFacts, string, string]>([
    ['unknown case zone', facts([], { timeZone: 'America/Houston' }), 'INVALID_TIME_ZONE', 'custody.timeZone'],
    ['unparsable date', facts([{ type: 'entered_us', occurredAt: 'yesterday' }]), 'INVALID_DATE', 'events[0].occurredAt'],
    ['impossible date', facts([{ type: 'entered_us', occurredAt: '2026-02-30' }]), 'INVALID_DATE', 'events[0].occurredAt'],
    ['timestamp without offset', facts([{ type: 'address_changed', occurredAt: '2026-11-20T10:00:00' }]), 'INVALID_DATE', 'events[0].occurredAt'],
    [
      'bad court zone',
      facts([{ type: 'ij_decision', occurredAt: '2026-11-20T10:00:00-06:00', data: { timeZone: 'Mars/Olympus' } }]),
      'INVALID_TIME_ZONE',
      'events[0].data.timeZone',
    ],
    [
      'bond hearing without a time',
      facts([{ type: 'hearing_scheduled', occurredAt: '2026-11-20T10:00:00-06:00', data: { hearingType: 'bond' } }]),
      'INVALID_DATE',
      'events[0].data.scheduledAt',
    ],
    [
      'voluntary departure over 60 days at the end of proceedings',
      facts([{ type: 'voluntary_departure_granted', occurredAt: '2026-09-02T10:00:00-05:00', data: { days: 90 } }]),
      'INVALID_VALUE',
      'events[0].data.days',
    ],
    [
      'voluntary departure days as text',
      facts([{ type: 'voluntary_departure_granted', occurredAt: '2026-09-02T10:00:00-05:00', data: { days: '30' } }]),
      'INVALID_VALUE',
      'events[0].data.days',
    ],
    [
      'bad intake releaseEligibleAt',
      facts([], { detainerLodged: true, releaseEligibleAt: '20/11/2026 4pm' }),
      'INVALID_DATE',
      'custody.releaseEligibleAt',
    ],
  ])('%s', (_name, input, code, field) => {
    let error: unknown;
    try {
      computeDeadlines(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeadlineInputError);
    expect(error).toMatchObject({ code, field });
  });

  it('names the event in the error', () => {
    expect(() => computeDeadlines(facts([{ type: 'entered_us', occurredAt: 'soon' }]))).toThrow(
      expect.objectContaining({ eventId: 'evt-1' }),
    );
  });
});

describe('rule sets', () => {
  it('computes with the rule set given and records its version', () => {
    const longer: RuleSet = {
      ...RULE_SET_2026_1,
      version: 'test.2',
      rules: RULE_SET_2026_1.rules.map((r) =>
        r.id === 'eoir33_change_of_address' ? { ...r, period: { kind: 'days', days: 10 } } : r,
      ),
    };
    const input = facts([{ type: 'address_changed', occurredAt: '2026-11-20T12:00:00-06:00' }]);
    const deadline = only(computeDeadlines(input, longer), 'eoir33_change_of_address');
    expect(deadline).toMatchObject({ dueAt: '2026-11-30T23:59:59.999-06:00', ruleVersion: 'test.2' });
  });

  it('ruleSetFor picks the latest set in force', () => {
    const next: RuleSet = { ...RULE_SET_2026_1, version: '2027.1', effectiveFrom: '2027-01-01' };
    const sets = [RULE_SET_2026_1, next];
    expect(ruleSetFor(new Date('2026-12-31T12:00:00Z'), sets).version).toBe('2026.1');
    expect(ruleSetFor(new Date('2027-01-01T12:00:00Z'), sets).version).toBe('2027.1');
    expect(() => ruleSetFor(new Date('2024-06-01T12:00:00Z'))).toThrow(expect.objectContaining({ code: 'NO_RULE_SET' }));
    expect(() => ruleSetFor(new Date('nope'))).toThrow(DeadlineInputError);
  });

  it('every rule has a label, citation and a unique id', () => {
    const ids = CURRENT_RULE_SET.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of CURRENT_RULE_SET.rules) expect(rule.citation).toMatch(/(CFR|INA|EOIR|USCIS|I-247A)/);
  });
});
