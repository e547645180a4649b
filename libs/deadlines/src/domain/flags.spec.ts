import { computeDeadlines } from './compute-deadlines';
import { computeFlags } from './flags';
import { RULE_SET_2026_10, RULE_SET_2026_4, RULE_SET_2026_5 } from './rule-set';
import type { CaseEventFact, CaseFacts, FlagCode } from './types';

function facts(extra: Partial<CaseFacts> = {}, custody: Partial<CaseFacts['custody']> = {}): CaseFacts {
  return { custody: { status: 'ice_detention', timeZone: 'America/Chicago', ...custody }, events: [], hasCounsel: true, ...extra };
}

const codes = (input: CaseFacts) => computeFlags(input).map((f) => f.code);

const order: CaseEventFact = { id: 'e1', type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00' };
const absentia: CaseEventFact = { id: 'e1', type: 'in_absentia_order', occurredAt: '2026-01-12T09:00:00-06:00' };
const ruling = (id: string, occurredAt: string, outcome: string, motion: string): CaseEventFact =>
  ({ id, type: 'motion_decided', occurredAt, data: { issuedBy: 'ij', outcome, motion } });

describe('computeFlags', () => {
  it.each<[string, CaseFacts, FlagCode[]]>([
    ['nothing known but counsel', facts(), []],
    ['entered without inspection, detained', facts({ entryManner: 'ewi' }), ['bond_eligibility_contested']],
    ['paroled then detained', facts({ entryManner: 'paroled' }), ['bond_eligibility_contested']],
    ['criminal history declared (INA 236(c))', facts({ criminalHistoryDeclared: true }), ['bond_eligibility_contested']],
    ['inspected and admitted', facts({ entryManner: 'inspected' }), []],
    [
      'the latest arrival counts, not the one recorded last: entered without inspection in 2024, an older admission recorded after',
      facts({
        events: [
          { id: 'a2024', type: 'entered_us', occurredAt: '2024-05-01', data: { manner: 'ewi' } },
          { id: 'a2015', type: 'entered_us', occurredAt: '2015-03-01', data: { manner: 'inspected' } },
        ],
      }),
      ['bond_eligibility_contested'],
    ],
    [
      'an admission after an earlier entry without inspection',
      facts({
        events: [
          { id: 'a2015', type: 'entered_us', occurredAt: '2015-03-01', data: { manner: 'ewi' } },
          { id: 'a2024', type: 'entered_us', occurredAt: '2024-05-01T10:00:00-05:00', data: { manner: 'inspected' } },
        ],
      }),
      [],
    ],
    ['not detained: bond not at issue', facts({ entryManner: 'ewi' }, { status: 'not_detained' }), []],
    ['local jail, 287(g) unknown', facts({}, { status: 'local_jail' }), []],
    ['booked in a 287(g) jail', facts({ jail287g: true }, { status: 'local_jail' }), ['jail_287g']],
    ['287(g) only matters while in that jail', facts({ jail287g: true }, { status: 'released' }), []],
    ['in ICE detention, counsel unknown', facts({ hasCounsel: undefined }), ['detained_without_counsel']],
    ['in ICE detention, no counsel', facts({ hasCounsel: false }), ['detained_without_counsel']],
    ['local jail without a detainer is not ICE detention', facts({ hasCounsel: false }, { status: 'local_jail' }), []],
    ['local jail with a detainer', facts({ hasCounsel: false }, { status: 'local_jail', detainerLodged: true }), ['detained_without_counsel']],
    ['custody unknown with a detainer: someone holds them for ICE', facts({ hasCounsel: false }, { status: 'unknown', detainerLodged: true }), ['detained_without_counsel']],
    ['custody unknown without a detainer', facts({ hasCounsel: false }, { status: 'unknown' }), []],
    [
      'custody unknown, a detainer lodged then lifted',
      facts({
        hasCounsel: false,
        events: [
          { id: 'd1', type: 'detainer_lodged', occurredAt: '2026-11-20T10:00:00-06:00' },
          { id: 'd2', type: 'detainer_lifted', occurredAt: '2026-11-21T10:00:00-06:00' },
        ],
      }, { status: 'unknown' }),
      [],
    ],
    [
      'in absentia order',
      facts({ events: [{ id: 'e1', type: 'in_absentia_order', occurredAt: '2026-01-12T09:00:00-06:00' }] }),
      ['in_absentia_order'],
    ],
    [
      'final order and a transfer',
      facts({
        events: [
          { id: 'e1', type: 'final_order', occurredAt: '2026-03-02T10:00:00-06:00' },
          { id: 'e2', type: 'transferred', occurredAt: '2026-03-05T10:00:00-06:00', data: { facilityCode: 'XYZ' } },
        ],
      }),
      ['removal_order', 'transferred'],
    ],
    [
      'a removal order vacated by a granted motion to reopen',
      facts({ events: [order, ruling('e2', '2026-03-20T10:00:00-05:00', 'granted', 'reopen')] }),
      [],
    ],
    [
      'a removal order reopened by a granted motion to reconsider, then ordered again',
      facts({ events: [order, ruling('e2', '2026-03-20T10:00:00-05:00', 'granted', 'reconsider'), { id: 'e3', type: 'final_order', occurredAt: '2026-05-04' }] }),
      ['removal_order'],
    ],
    [
      'a denied motion: the order stands, even when it was not recorded',
      facts({ events: [ruling('e2', '2026-03-20T10:00:00-05:00', 'denied', 'reconsider')] }),
      ['removal_order'],
    ],
    [
      'a grant recorded after but dated before the order is about an earlier one',
      facts({ events: [order, ruling('e2', '2026-01-20T10:00:00-06:00', 'granted', 'reopen')] }),
      ['removal_order'],
    ],
    [
      'an in absentia order rescinded by a granted motion to reopen',
      facts({ events: [absentia, ruling('e2', '2026-02-01T10:00:00-06:00', 'granted', 'reopen')] }),
      [],
    ],
    [
      'an in absentia order stands through a granted motion to reconsider',
      facts({ events: [absentia, ruling('e2', '2026-02-01T10:00:00-06:00', 'granted', 'reconsider')] }),
      ['in_absentia_order'],
    ],
  ])('%s', (_name, input, expected) => {
    expect(codes(input)).toEqual(expected);
  });

  it('a detainer in unknown custody is detention from 2026.11 (under 2026.10 only a jail\'s counted)', () => {
    expect(computeFlags(facts({ hasCounsel: false }, { status: 'unknown', detainerLodged: true }), RULE_SET_2026_10)).toEqual([]);
  });

  it('a reinstated removal order is flagged from 2026.5 (routed to post-order experience), with no deadline of its own', () => {
    const reinstated = facts({ events: [{ id: 'e1', type: 'order_reinstated', occurredAt: '2026-11-20' }] });
    expect(computeFlags(reinstated, RULE_SET_2026_5)).toEqual([
      { code: 'reinstated_order', label: expect.stringMatching(/^Prior removal order reinstated/), citation: 'INA 241(a)(5); 8 CFR 241.8, 208.31' },
    ]);
    expect(computeFlags(reinstated, RULE_SET_2026_4)).toEqual([]);
    expect(computeDeadlines(reinstated)).toEqual([]);
  });

  it('cites the 2025 BIA decisions and does not name the facts that raised the flag (labels reach summaries)', () => {
    const [flag] = computeFlags(facts({ entryManner: 'ewi', criminalHistoryDeclared: true }));
    expect(flag.citation).toBe(
      'Matter of Q. Li, 29 I&N Dec. 66 (BIA 2025); Matter of Yajure Hurtado, 29 I&N Dec. 216 (BIA 2025); INA 236(c)',
    );
    expect(flag.label).toMatch(/^Bond eligibility contested: /);
    expect(flag.label).not.toMatch(/inspection|parole|criminal/i);
  });

  it('never hides the bond hearing deadline when bond eligibility is contested', () => {
    const input = facts({
      entryManner: 'ewi',
      events: [
        {
          id: 'e1',
          type: 'hearing_scheduled',
          occurredAt: '2026-11-20T10:00:00-06:00',
          data: { hearingType: 'bond', scheduledAt: '2026-12-01T09:00:00-06:00' },
        },
      ],
    });
    expect(codes(input)).toContain('bond_eligibility_contested');
    expect(computeDeadlines(input).map((d) => d.rule)).toContain('bond_hearing');
  });
});
