import { CURRENT_RULE_SET, type RuleSet } from './rule-set';
import type { CaseFacts, Flag, FlagCode } from './types';

type FlagTest = (facts: CaseFacts) => boolean;

const hasEvent = (facts: CaseFacts, type: string) => facts.events.some((event) => event.type === type);

// Detained, or on the way to ICE custody: the situations where bond and counsel matter now.
function isDetainedForIce(facts: CaseFacts): boolean {
  const { status, detainerLodged } = facts.custody;
  const detainer = detainerLodged === true || hasEvent(facts, 'detainer_lodged');
  return status === 'ice_detention' || (status === 'local_jail' && detainer);
}

// Facts that, since Q. Li and Yajure Hurtado (entry without inspection, re-detention after parole) or under
// INA 236(c) (criminal grounds), lead judges to deny bond jurisdiction. Absent facts raise nothing.
function bondEligibilityContested(facts: CaseFacts): boolean {
  if (facts.custody.status === 'not_detained') return false;
  return facts.entryManner === 'ewi' || facts.entryManner === 'paroled' || facts.criminalHistoryDeclared === true;
}

const TESTS: Record<FlagCode, FlagTest> = {
  bond_eligibility_contested: bondEligibilityContested,
  jail_287g: (facts) => facts.custody.status === 'local_jail' && facts.jail287g === true,
  in_absentia_order: (facts) => hasEvent(facts, 'in_absentia_order'),
  removal_order: (facts) => hasEvent(facts, 'final_order'),
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
