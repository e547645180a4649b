/**
 * Every identifying or sensitive fact of a case, with the column that stores its ciphertext. Anything not listed here
 * is stored in clear and may appear in a summary. docs/security.md explains each classification.
 */
export const SENSITIVE_FIELDS = [
  { field: 'client.firstName', column: 'client_first_name' },
  { field: 'client.lastName', column: 'client_last_name' },
  { field: 'client.dateOfBirth', column: 'client_date_of_birth' },
  { field: 'client.aNumber', column: 'client_a_number' },
  { field: 'client.phone', column: 'client_phone' },
  { field: 'client.email', column: 'client_email' },
  { field: 'client.address', column: 'client_address' },
  { field: 'client.countryOfBirth', column: 'client_country_of_birth' },
  { field: 'client.immigrationStatus', column: 'client_immigration_status' },
  { field: 'client.criminalHistory', column: 'client_criminal_history' },
  { field: 'client.safeToContact', column: 'client_safe_to_contact' },
  { field: 'caller.relationship', column: 'caller_relationship' },
  { field: 'caller.name', column: 'caller_name' },
  { field: 'caller.phone', column: 'caller_phone' },
  { field: 'custody.bookingNumber', column: 'custody_booking_number' },
  { field: 'narrative', column: 'narrative' },
  { field: 'adverseParties', column: 'adverse_parties' },
] as const;

export type SensitiveField = (typeof SENSITIVE_FIELDS)[number]['field'];
export type SensitiveValues = Partial<Record<SensitiveField, unknown>>;

const get = (source: Record<string, unknown> | undefined, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), source);

/** A sensitive value stored as SQL NULL, not encrypted: absent, null, or a string of nothing but spaces. */
export function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** Picks the sensitive values present in a (possibly partial) request body. `null` means "clear it". */
export function pickSensitive(body: Record<string, unknown>): SensitiveValues {
  const values: SensitiveValues = {};
  for (const { field } of SENSITIVE_FIELDS) {
    const value = get(body, field);
    if (value !== undefined) values[field] = value;
  }
  return values;
}

/** Rebuilds the nested shape of the API from flat sensitive values. */
export function nestSensitive(values: SensitiveValues): Record<string, Record<string, unknown> | unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) {
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return out;
}
