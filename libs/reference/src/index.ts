export * from './domain/types';
export { ReferenceDataError } from './domain/errors';
export type { ParseResult, ReferenceDataErrorCode, RowIssue, RowIssueCode } from './domain/errors';
export { FACILITY_COLUMNS, parseFacilitiesCsv } from './domain/facilities';
export { AGREEMENT_COLUMNS, parse287gCsv } from './domain/agreements-287g';
export {
  enrichFacilities, FACILITY_COUNTY_CORRECTIONS, FACILITY_FLAG_RULE_VERSION, FACILITY_JAIL_OVERRIDES, isCountyJailEnforcement, jailEnforcementCounties,
} from './domain/enrich';
export {
  knownTimeZones,
  resolveTimeZone,
  uncertainDayZone,
  SPLIT_STATES,
  stateWideZones,
  STATE_TIME_ZONES,
  timeZoneFor,
  timeZoneForAor,
} from './domain/time-zones';
export type { TimeZoneBasis, TimeZoneResolution } from './domain/time-zones';
export { isStateCode, STATE_ABBREVIATIONS, STATE_NAMES, stateAfterComma, stateCode } from './domain/states';
export { countyKey } from './domain/county-name';
export { parseUsDate } from './domain/dates';
export * from './nest/reference.service';
export * from './nest/reference.module';
export { IsStateCode } from './nest/state-code.validator';
