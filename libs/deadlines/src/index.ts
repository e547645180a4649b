export * from './domain/errors';
export * from './domain/types';
export { isClosedDay, isFederalHoliday, rollForward, addHoursExcludingClosedDays } from './domain/calendar';
export {
  BIA_TIME_ZONE,
  CURRENT_RULE_SET,
  RULE_SETS,
  RULE_SET_2026_1,
  RULE_SET_2026_2,
  RULE_SET_2026_3,
  RULE_SET_2026_4,
  RULE_SET_2026_5,
  RULE_SET_2026_6,
  RULE_SET_2026_7,
  RULE_SET_2026_8,
  RULE_SET_2026_9,
  RULE_SET_2026_10,
  RULE_SET_2026_11,
  ruleSetFor,
  type DeadlineRule,
  type FlagDefinition,
  type Period,
  type RuleSet,
  type TriggerSpec,
  type ZoneSource,
} from './domain/rule-set';
export { computeDeadlines } from './domain/compute-deadlines';
export { CIRCUIT_STATES, circuitClerkZone } from './domain/circuits';
export { tz } from './domain/zones';
export { eventTime, happenedAfter, latestByDay, type EventTime } from './domain/input';
export { computeFlags } from './domain/flags';
export { assessUrgency, formatLocal, URGENCY_POLICY, urgencyOrderAt, urgencyReviewAt, type UrgencyPolicy } from './domain/urgency';
export * from './nest/case-timeline.service';
export * from './nest/deadlines.module';
export * from './nest/deadline-jobs.service';
export * from './nest/deadlines.service';
export { toIcs } from './nest/ics';


export { localWhen } from './nest/notification-text';
export * from './nest/openapi';
