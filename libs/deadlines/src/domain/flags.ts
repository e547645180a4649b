import { CURRENT_RULE_SET, GRANTED_MOTION, GRANTED_REOPENING, type FlagDefinition, type RuleSet } from './rule-set';
import { detainerStands, isEnded, latestEventOf } from './triggers';
import type { CaseFacts, EntryManner, Flag, FlagCode } from './types';

type FlagTest = (facts: CaseFacts, ruleSet: RuleSet) => boolean;

const hasEvent = (facts: CaseFacts, type: string) => facts.events.some((event) => event.type === type);

// Detained, or on the way to ICE custody: the situations where bond and counsel matter now. A detainer is lodged with
// whoever holds the person: from 2026.11 one in unknown custody (which jail is not known) counts as a jail's does.
function isDetainedForIce(facts: CaseFacts, ruleSet: RuleSet): boolean {
  const { status } = facts.custody;
  const heldForIce = status === 'local_jail' || (status === 'unknown' && ruleSet.detainerInUnknownCustody === true);
  return status === 'ice_detention' || (heldForIce && detainerStands(facts, ruleSet.eventsByDay === true));
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
 * Whether a final removal order stands. From 2026.4 (`flagsReadRulings`): a `final_order`, or a denied motion (which
 * presupposes an order, even one not recorded), that no granted motion ended as it ends the order's clocks
 * (`GRANTED_MOTION`: on a later day, within the issuer's reach). Before, any `final_order`.
 */
function removalOrderStands(facts: CaseFacts, ruleSet: RuleSet): boolean {
  if (!ruleSet.flagsReadRulings) return hasEvent(facts, 'final_order');
  return facts.events.some(
    (event) =>
      (event.type === 'final_order' || (event.type === 'motion_decided' && event.data?.outcome === 'denied')) &&
      !isEnded(facts, event, GRANTED_MOTION),
  );
}

/** Whether an in absentia order stands: from 2026.4, one that no granted motion to reopen ended (INA 240(b)(5)(C)). */
function inAbsentiaOrderStands(facts: CaseFacts, ruleSet: RuleSet): boolean {
  return facts.events.some(
    (event) => event.type === 'in_absentia_order' && !(ruleSet.flagsReadRulings && isEnded(facts, event, GRANTED_REOPENING)),
  );
}

const TESTS: Record<FlagCode, FlagTest> = {
  bond_eligibility_contested: bondEligibilityContested,
  jail_287g: (facts) => facts.custody.status === 'local_jail' && facts.jail287g === true,
  in_absentia_order: inAbsentiaOrderStands,
  removal_order: removalOrderStands,
  reinstated_order: (facts) => hasEvent(facts, 'order_reinstated'),
  // Unknown counsel counts as none: intake rarely knows, and assuming counsel would hide the case.
  detained_without_counsel: (facts, ruleSet) => isDetainedForIce(facts, ruleSet) && facts.hasCounsel !== true,
  transferred: (facts) => hasEvent(facts, 'transferred'),
};

/** Flags the facts raise, in the rule set's order. Flags never remove or delay a deadline. */
export function computeFlags(facts: CaseFacts, ruleSet: RuleSet = CURRENT_RULE_SET): Flag[] {
  return (Object.entries(ruleSet.flags) as [FlagCode, FlagDefinition][])
    .filter(([code]) => TESTS[code](facts, ruleSet))
    .map(([code, { label, citation }]) => (citation ? { code, label, citation } : { code, label }));
}
