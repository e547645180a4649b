export interface FacilityRecord {
  /** ICE detention location code (`detloc`), unique. */
  code: string;
  name: string;
  address: string | null;
  city: string | null;
  county: string | null;
  /** 2-letter USPS code; null for the few transport-only rows with no place. */
  state: string | null;
  zip: string | null;
  /** ICE ERO area of responsibility (field office) code, e.g. "SNA". */
  aor: string;
  type: string;
  typeDetailed: string | null;
  capacity: number | null;
  firstUsed: string | null;
  lastUsed: string | null;
  over72: boolean | null;
  /** IANA zone, derived (never in the source file). */
  timeZone: string;
  /** A participating 287(g) Jail Enforcement Model agreement covers the facility's county. */
  jail287g: boolean;
}

export type ParsedFacility = Omit<FacilityRecord, 'timeZone' | 'jail287g'>;

export type AgreementStatus = 'participating' | 'pending';

export const JAIL_ENFORCEMENT_MODEL = 'Jail Enforcement Model';

export interface Agreement287g {
  /** 2-letter USPS code. */
  state: string;
  agency: string;
  /** "County", "Municipality", "State Agency"… kept as published. */
  agencyType: string;
  /** As "X County" / "X Parish"; null for agencies without one. See parse287gCsv for how it is chosen. */
  county: string | null;
  /** "Jail Enforcement Model", "Task Force Model", "Warrant Service Officer"… kept as published. */
  supportType: string;
  status: AgreementStatus;
  /** YYYY-MM-DD; null for pending agreements. */
  signed: string | null;
}
