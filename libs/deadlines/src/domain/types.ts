export type CaseEventType =
  | 'detainer_lodged'
  | 'detainer_lifted'
  | 'release_eligible'
  | 'released'
  | 'transferred'
  | 'hearing_scheduled'
  | 'bond_decision'
  | 'ij_decision'
  | 'final_order'
  | 'motion_decided'
  | 'in_absentia_order'
  | 'order_reinstated'
  | 'entered_us'
  | 'daca_expires'
  | 'voluntary_departure_granted'
  | 'address_changed';

export interface CaseEventFact {
  id: string;
  type: CaseEventType;
  /** ISO 8601 with offset, or a plain YYYY-MM-DD date (read in the zone that counts it). */
  occurredAt: string;
  data?: Record<string, unknown>;
}

export type EntryManner = 'inspected' | 'ewi' | 'paroled' | 'unknown';

export type CustodyStatus = 'local_jail' | 'ice_detention' | 'released' | 'not_detained' | 'unknown';

export interface CustodyFacts {
  status: CustodyStatus;
  /** IANA zone of the jail or facility, else of the client: "the case's zone". */
  timeZone: string;
  /**
   * When the case's zone stands for a place that could be in either of two zones (a county its state's tables cannot
   * place): the one whose day starts last. A trigger with no zone of its own has its day read there, and a day-based
   * deadline still ends at the end of its last day in the case's zone (whose day ends first): never later than in
   * either. Unset: read in the case's zone. An event recorded there carries its own (`data.dayZone`, beside the
   * `data.timeZone` it was read in), which a transfer away does not change.
   */
  dayZone?: string;
  /**
   * USPS codes of the states the person was held or placed in: the case's place now and every transfer's. Where a
   * petition for review is filed depends on it (circuits.ts); unknown (none), its day ends at the earliest midnight.
   */
  states?: string[];
  placeName?: string;
  detainerLodged?: boolean;
  releaseEligibleAt?: string;
  /** When status is 'released' and no `released` event was recorded. */
  releasedFrom?: 'ice' | 'jail';
  releasedAt?: string;
}

export interface CaseFacts {
  custody: CustodyFacts;
  events: CaseEventFact[];
  jail287g?: boolean;
  hasCounsel?: boolean;
  /** Given by a caller without events; otherwise the `manner` of the latest `entered_us` event (see flags.ts). */
  entryManner?: EntryManner;
  criminalHistoryDeclared?: boolean;
}

export interface ComputedDeadline {
  /** Stable identity of (rule, trigger, trigger time): unchanged on recompute, new when the trigger changes. */
  key: string;
  rule: string;
  label: string;
  dueAt: string;
  timeZone: string;
  outerLimitAt?: string;
  opensAt?: string;
  citation: string;
  ruleVersion: string;
  triggerEventId?: string;
  note?: string;
}

export type DeadlineStatus = 'open' | 'met' | 'waived' | 'missed';

export type FlagCode =
  | 'bond_eligibility_contested'
  | 'jail_287g'
  | 'in_absentia_order'
  | 'removal_order'
  | 'reinstated_order'
  | 'detained_without_counsel'
  | 'transferred';

export interface Flag {
  code: FlagCode;
  label: string;
  citation?: string;
}

export type UrgencyLevel = 'critical' | 'high' | 'normal' | 'low';

export interface UrgencyInput {
  deadlines: (ComputedDeadline & { status: DeadlineStatus })[];
  flags: Flag[];
  custodyStatus: CustodyStatus;
  placeName?: string;
  now: Date;
}

export interface Urgency {
  level: UrgencyLevel;
  reasons: string[];
  nextDeadlineAt: string | null;
}
