import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  BlindIndexKind, DataKey, KeyMaterial, blindIndex, decryptField, encryptField, newDataKey, normalizeANumber,
  normalizeNameDob, normalizeNameShortDob, normalizeNameTokensDob, normalizePersonName, normalizePhone, requestDigest, unwrapDataKey, wrapDataKey, wrappedKeyId,
} from '@amparo/crypto';
import { SENSITIVE_FIELDS, SensitiveField, SensitiveValues, isBlank } from './domain/sensitive-fields';

/** The data key's id inside every field ciphertext of a case (one key generation per case so far). */
const DEK_ID = 'c1';
const JSON_FIELDS = new Set<SensitiveField>(['client.safeToContact', 'adverseParties']);

export const caseKeyContext = (caseId: string) => `case:${caseId}`;

/** The fields blindIndexes() reads: all a re-index needs to decrypt. */
export const BLIND_INDEX_FIELDS: ReadonlySet<SensitiveField> = new Set<SensitiveField>([
  'client.firstName', 'client.lastName', 'client.dateOfBirth', 'client.aNumber', 'client.phone', 'adverseParties',
]);

/** The columns of those fields (`cases`). */
export const BLIND_INDEX_COLUMNS: readonly string[] = SENSITIVE_FIELDS.filter((f) => BLIND_INDEX_FIELDS.has(f.field)).map((f) => f.column);

export interface BlindIndexEntry {
  /** Stored kinds: the crypto kinds, plus `adverse_party` (a party_name hash of someone adverse to the client). */
  kind: BlindIndexKind | 'adverse_party';
  value: string;
}

/** Envelope encryption of a case's sensitive fields: one data key per case, wrapped by the keyring's active KEK. */
@Injectable()
export class CaseCipher {
  constructor(private readonly keys: KeyMaterial) {}

  newCaseKey(caseId: string): { dek: DataKey; wrapped: Buffer; kekId: string } {
    const dek = newDataKey();
    const wrapped = wrapDataKey(this.keys.keyring, dek, caseKeyContext(caseId));
    return { dek, wrapped, kekId: wrappedKeyId(wrapped) };
  }

  async loadKey(manager: EntityManager, caseId: string): Promise<DataKey | null> {
    const [row] = await manager.query(`SELECT wrapped_key FROM case_keys WHERE case_id = $1`, [caseId]);
    return row ? unwrapDataKey(this.keys.keyring, row.wrapped_key, caseKeyContext(caseId)) : null;
  }

  /** Column → ciphertext (or null to clear) for the given values. */
  encrypt(dek: DataKey, caseId: string, values: SensitiveValues): Record<string, Buffer | null> {
    const columns: Record<string, Buffer | null> = {};
    for (const { field, column } of SENSITIVE_FIELDS) {
      if (!(field in values)) continue;
      const value = values[field];
      if (isBlank(value)) {
        columns[column] = null;
        continue;
      }
      const plaintext = JSON_FIELDS.has(field) ? JSON.stringify(value) : String(value);
      columns[column] = encryptField(dek, DEK_ID, plaintext, { table: 'cases', column, rowId: caseId });
    }
    return columns;
  }

  decrypt(dek: DataKey, caseId: string, row: Record<string, unknown>): SensitiveValues {
    const values: SensitiveValues = {};
    for (const { field, column } of SENSITIVE_FIELDS) {
      const ciphertext = row[column];
      if (!Buffer.isBuffer(ciphertext)) continue;
      const plaintext = decryptField(dek, ciphertext, { table: 'cases', column, rowId: caseId });
      values[field] = JSON_FIELDS.has(field) ? JSON.parse(plaintext) : plaintext;
    }
    return values;
  }

  /** The keyed digest of an intake body (canonical JSON) stored with its idempotency key; see requestDigest. */
  requestDigest(canonicalBody: string): Buffer {
    return requestDigest(this.keys.indexKey, canonicalBody);
  }

  /** Keyed hashes for exact-match lookups and duplicate checks; the values themselves never leave the request. */
  blindIndexes(values: SensitiveValues): BlindIndexEntry[] {
    const entries: BlindIndexEntry[] = [];
    const aNumber = normalizeANumber(values['client.aNumber'] as string | undefined);
    if (aNumber) entries.push({ kind: 'a_number', value: blindIndex(this.keys.indexKey, 'a_number', aNumber) });
    const phone = normalizePhone(values['client.phone'] as string | undefined);
    if (phone) entries.push({ kind: 'phone', value: blindIndex(this.keys.indexKey, 'phone', phone) });
    const nameDob = normalizeNameDob(
      values['client.firstName'] as string | undefined,
      values['client.lastName'] as string | undefined,
      values['client.dateOfBirth'] as string | undefined,
    );
    if (nameDob) entries.push({ kind: 'name_dob', value: blindIndex(this.keys.indexKey, 'name_dob', nameDob) });
    // The same person with the names in another order or split (given names typed as the surname, a family name first).
    const nameTokensDob = normalizeNameTokensDob(
      values['client.firstName'] as string | undefined,
      values['client.lastName'] as string | undefined,
      values['client.dateOfBirth'] as string | undefined,
    );
    if (nameTokensDob) entries.push({ kind: 'name_tokens_dob', value: blindIndex(this.keys.indexKey, 'name_tokens_dob', nameTokensDob) });
    // The same person with a name typed shorter (a second given name or the second surname left out).
    const nameShortDob = normalizeNameShortDob(
      values['client.firstName'] as string | undefined,
      values['client.lastName'] as string | undefined,
      values['client.dateOfBirth'] as string | undefined,
    );
    if (nameShortDob) entries.push({ kind: 'name_short_dob', value: blindIndex(this.keys.indexKey, 'name_short_dob', nameShortDob) });
    // Conflict checks compare names only (adverse parties rarely come with a birth date): cautious by design.
    const fullName = normalizePersonName(
      [values['client.firstName'], values['client.lastName']].filter((v) => typeof v === 'string' && v.trim()).join(' '),
    );
    if (fullName) entries.push({ kind: 'party_name', value: blindIndex(this.keys.indexKey, 'party_name', fullName) });
    // Flattened: a list stored inside the list (before intake refused that shape) is indexed by keys:reindex.
    const parties = Array.isArray(values.adverseParties) ? (values.adverseParties.flat(Infinity) as { name?: string }[]) : [];
    for (const party of parties) {
      const name = normalizePersonName(party?.name);
      if (name) entries.push({ kind: 'adverse_party', value: blindIndex(this.keys.indexKey, 'party_name', name) });
    }
    return entries;
  }

  aNumberIndex(input: string): string | null {
    const normalized = normalizeANumber(input);
    return normalized ? blindIndex(this.keys.indexKey, 'a_number', normalized) : null;
  }
}
