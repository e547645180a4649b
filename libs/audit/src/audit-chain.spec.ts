import { AUDIT_CHAINS, ChainedFields, GENESIS_HASH, StoredLink, canonicalJson, chainFor, chainHash, chainTextAfterId, findFirstBrokenLink } from './audit-chain';
import { createHash } from 'node:crypto';

function chain(n: number): StoredLink[] {
  const rows: StoredLink[] = [];
  let prev: Buffer = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const fields: ChainedFields = {
      id: String(i),
      organizationId: 'org-1',
      chain: 3,
      occurredAt: `2026-11-20T10:00:0${i % 10}.000Z`,
      actorId: 'user-1',
      actorRole: 'coordinator',
      action: 'case.reveal',
      caseId: 'case-1',
      caseReference: 'AMP-TEST',
      fields: ['client.firstName'],
      reason: `reason ${i}`,
      details: { b: 1, a: [i] },
    };
    const hash = chainHash(prev, fields);
    rows.push({ ...fields, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('audit chain', () => {
  it('puts every event of a case on the same chain, spread over all chains', () => {
    expect(chainFor('case-a')).toBe(chainFor('case-a'));
    expect(chainFor(null)).toBe(0);
    const chains = new Set(Array.from({ length: 400 }, (_, i) => chainFor(`case-${i}`)));
    expect(chains.size).toBe(AUDIT_CHAINS);
  });

  it('the text after the id, finished with the id as the database does, hashes as chainHash does', () => {
    const [row] = chain(1);
    const { id, prevHash, hash, ...rest } = row;
    const fields = { ...rest, caseReference: 'AMP-ÑANDÚ', details: { note: 'Quiché K\'iche\' 🌵', n: [1, 2] } };
    for (const candidate of [id, '9007199254740993']) {
      const expected = chainHash(prevHash, { ...fields, id: candidate });
      const asDatabase = createHash('sha256').update(prevHash).update(Buffer.from(`["${candidate}",`, 'utf8')).update(chainTextAfterId(fields)).digest();
      expect(asDatabase.equals(expected)).toBe(true);
    }
    expect(hash.equals(chainHash(prevHash, row))).toBe(true);
  });

  it('binds the chain number into the hash', () => {
    const [row] = chain(1);
    expect(chainHash(row.prevHash, { ...row, chain: 4 }).equals(row.hash)).toBe(false);
  });

  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  });

  it('verifies an intact chain', () => {
    expect(findFirstBrokenLink(chain(5))).toEqual({ checked: 5 });
  });

  it('names the first edited row', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], reason: 'edited' };
    expect(findFirstBrokenLink(rows)).toEqual({ checked: 3, firstBrokenId: '3' });
  });

  it('detects a deleted row at the row after it', () => {
    const rows = chain(5);
    rows.splice(1, 1);
    expect(findFirstBrokenLink(rows).firstBrokenId).toBe('3');
  });

  it('detects a re-hashed forgery whose successor still points at the original', () => {
    const rows = chain(4);
    const forged = { ...rows[1], fields: [] as string[] };
    rows[1] = { ...forged, hash: chainHash(forged.prevHash, forged) };
    expect(findFirstBrokenLink(rows).firstBrokenId).toBe('3');
  });
});
