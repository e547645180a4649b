import { CURRENT_RULE_SET, type RuleSet } from './rule-set';
import { detainerStands, latestEventOf, latestEventWhere } from './triggers';
import type { CaseFacts, EntryManner, Flag, FlagCode } from './types';

type FlagTest = (facts: CaseFacts) => boolean;

const hasEvent = (facts: CaseFacts, type: string) => facts.events.some((event) => event.type === type);

// Detained, or on the way to ICE custody: the situations where bond and counsel matter now.
function isDetainedForIce(facts: CaseFacts): boolean {
  const { status } = facts.custody;
  return status === 'ice_detention' || (status === 'local_jail' && detainerStands(facts));
}

// Facts that, since Q. Li and Yajure Hurtado (entry without inspection, re-detention after parole) or under
// INA 236(c) (criminal grounds), lead judges to deny bond jurisdiction. Absent facts raise nothing.
function bondEligibilityContested(facts: CaseFacts): boolean {
  if (facts.custody.status === 'not_detained') return false;
  const manner = entryManner(facts);
  return manner === 'ewi' || manner === 'paroled' || facts.criminalHistoryDeclared === true;
}

/**
 * The manner of the latest arrival: the `entered_us` event that happened last (each read in its own zone; between
 * two at the same time, the one recorded later), as the asylum deadline counts from it. Not the one recorded last:
 * an older arrival recorded afterwards does not undo a later entry without inspection.
 */
function entryManner(facts: CaseFacts): EntryManner | undefined {
  if (facts.entryManner !== undefined) return facts.entryManner;
  return latestEventOf(facts, ['entered_us'])?.data?.manner as EntryManner | undefined;
}

/**
 * Whether a final removal order stands: the latest in time of the orders and the rulings on motions decides. A ruling
 * that grants a motion vacates the order (reopening) or reopens the decision (reconsideration) until a new order is
 * recorded; a denial presupposes an order, even one not recorded.
 */
function removalOrderStands(facts: CaseFacts): boolean {
  const latest = latestEventOf(facts, ['final_order', 'motion_decided']);
  return latest !== undefined && (latest.type === 'final_order' || latest.data?.outcome !== 'granted');
}

/** Whether an in absentia order stands: no granted motion to reopen after it (INA 240(b)(5)(C)). */
function inAbsentiaOrderStands(facts: CaseFacts): boolean {
  const latest = latestEventWhere(
    facts,
    (event) => event.type === 'in_absentia_order' || (event.type === 'motion_decided' && event.data?.outcome === 'granted' && event.data?.motion === 'reopen'),
  );
  return latest?.type === 'in_absentia_order';
}

const TESTS: Record<FlagCode, FlagTest> = {
  bond_eligibility_contested: bondEligibilityContested,
  jail_287g: (facts) => facts.custody.status === 'local_jail' && facts.jail287g === true,
  in_absentia_order: inAbsentiaOrderStands,
  removal_order: removalOrderStands,
  // Unknown counsel counts as none: intake rarely knows, and assuming counsel would hide the case.
  detained_without_counsel: (facts) => isDetainedForIce(facts) && facts.hasCounsel !== true,
  transferred: (facts) => hasEvent(facts, 'transferred'),
};

/** Flags the facts raise, in the rule set's order. Flags never remove or delay a deadline. */
export function computeFlags(facts: CaseFacts, ruleSet: RuleSet = CURRENT_RULE_SET): Flag[] {
  return (Object.keys(ruleSet.flags) as FlagCode[])
    .filter((code) => TESTS[code](facts))
    .map((code) => {
      const { label, citation } = ruleSet.flags[code];
      return citation ? { code, label, citation } : { code, label };
    });
}
