import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { AuditSealKeys, FIRST_SEAL_PREV, SealCheck, SealSequenceCheck, SealedPoint, StoredSeal, WalkedEvent } from './audit-seal';

const b64 = () => randomBytes(32).toString('base64');
const ORG = '6a3e1c1e-8a43-4b54-9a5f-2f5a4c0e9b11';
const MINUTE = 60_000;
const GRACE = 15 * MINUTE;
const T0 = Date.parse('2026-11-20T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();

/** Events 1..n of one chain, one a minute from T0. */
const events = (n: number): WalkedEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: String(i + 1), hash: Buffer.alloc(32, i + 1), occurredAt: at(i) }));

/** Seals of the given events (of any chain) in order, numbered and linked as the sealing job writes an organization's. */
function sealsOf(keys: AuditSealKeys, sealed: [WalkedEvent, number, number?][], from: StoredSeal | null = null): StoredSeal[] {
  const out: StoredSeal[] = [];
  let previous = from;
  for (const [event, minutes, chain = 3] of sealed) {
    const point: SealedPoint = {
      organizationId: ORG, chain, seq: (previous?.seq ?? 0) + 1, prevMac: previous?.mac ?? FIRST_SEAL_PREV,
      eventId: event.id, eventHash: event.hash, sealedAt: at(minutes),
    };
    previous = { ...point, ...keys.seal(point), seqText: String(point.seq) };
    out.push(previous);
  }
  return out;
}

function check(keys: AuditSealKeys, walked: WalkedEvent[], seals: StoredSeal[], nowMinutes: number) {
  const sealCheck = new SealCheck(keys, new Date(T0 + nowMinutes * MINUTE), GRACE);
  sealCheck.addSeals(seals);
  walked.forEach((e) => sealCheck.visit(e));
  return sealCheck.finish();
}

function sequence(keys: AuditSealKeys, seals: StoredSeal[]) {
  const check = new SealSequenceCheck(keys);
  [...seals].sort((a, b) => a.seq - b.seq).forEach((seal) => check.visit(seal));
  return { broken: check.broken, unknownKeys: [...check.unknownKeys] };
}

describe('AuditSealKeys', () => {
  const keys = AuditSealKeys.parse(`a2:${b64()},a1:${b64()}`);
  const point: SealedPoint = { organizationId: ORG, chain: 0, seq: 4, prevMac: Buffer.alloc(32, 9), eventId: '42', eventHash: Buffer.alloc(32, 7), sealedAt: at(0) };

  it('seals under the first key and checks its own seal', () => {
    const { keyId, mac } = keys.seal(point);
    expect(keyId).toBe('a2');
    expect(keys.check(point, keyId, mac)).toBe('valid');
  });

  it('any changed part of the sealed point, or of the MAC, fails the check', () => {
    const { keyId, mac } = keys.seal(point);
    expect(keys.check({ ...point, eventHash: Buffer.alloc(32, 8) }, keyId, mac)).toBe('forged');
    expect(keys.check({ ...point, eventId: '43' }, keyId, mac)).toBe('forged');
    expect(keys.check({ ...point, chain: 1 }, keyId, mac)).toBe('forged');
    expect(keys.check({ ...point, organizationId: '00000000-0000-4000-8000-000000000000' }, keyId, mac)).toBe('forged');
    expect(keys.check({ ...point, sealedAt: at(1) }, keyId, mac)).toBe('forged');
    expect(keys.check({ ...point, seq: 5 }, keyId, mac)).toBe('forged');
    expect(keys.check({ ...point, prevMac: Buffer.alloc(32, 8) }, keyId, mac)).toBe('forged');
    expect(keys.check(point, keyId, mac.subarray(0, 16))).toBe('forged');
    expect(keys.check(point, 'a1', mac)).toBe('forged');
  });

  it('after rotation, seals of the older key still check; a key no longer configured is named as unknown', () => {
    const [older, newer] = [b64(), b64()];
    const before = AuditSealKeys.parse(`a1:${older}`).seal(point);
    expect(AuditSealKeys.parse(`a2:${newer},a1:${older}`).check(point, before.keyId, before.mac)).toBe('valid');
    expect(AuditSealKeys.parse(`a2:${newer}`).check(point, before.keyId, before.mac)).toBe('unknown-key');
  });

  it('never prints its keys', () => {
    const material = b64();
    const ring = AuditSealKeys.parse(`a1:${material}`);
    for (const shown of [String(ring), JSON.stringify(ring), inspect(ring), JSON.stringify({ ...ring })]) {
      expect(shown).not.toContain(material);
      expect(shown).not.toContain(Buffer.from(material, 'base64').toString('hex'));
    }
  });
});

describe('SealSequenceCheck', () => {
  const keys = AuditSealKeys.parse(`a1:${b64()}`);
  // Seals of two chains of one organization, interleaved as the passes wrote them.
  const chain3 = events(4);
  const chain7 = events(4).map((e) => ({ ...e, id: String(Number(e.id) + 100) }));
  const seals = sealsOf(keys, [[chain3[1], 2], [chain7[0], 2, 7], [chain3[3], 5], [chain7[3], 5, 7]]);

  it('an unbroken sequence has no findings', () => {
    expect(sequence(keys, seals)).toEqual({ broken: [], unknownKeys: [] });
  });

  it('one chain\'s seals removed (to rewrite that chain unseen) break the sequence at the next seal', () => {
    const withoutChain7 = seals.filter((x) => x.chain !== 7 || x === seals[3]);
    expect(sequence(keys, withoutChain7).broken).toEqual([seals[2].eventId]);
  });

  it('the first seals removed: the new first is not number 1', () => {
    expect(sequence(keys, seals.slice(2)).broken).toEqual([seals[2].eventId]);
  });

  it('a seal forged without the key, or renumbered, is broken; only the newest seals removed leave no trace (documented)', () => {
    const forged = { ...seals[1], mac: randomBytes(32) };
    // The forged seal, and the next one, whose link names the real MAC.
    expect(sequence(keys, [seals[0], forged, seals[2], seals[3]]).broken).toEqual([seals[1].eventId, seals[2].eventId]);
    expect(sequence(keys, [seals[0], { ...seals[1], seq: 7, seqText: '7' }, seals[2], seals[3]]).broken).toContain(seals[1].eventId);
    expect(sequence(keys, seals.slice(0, 2))).toEqual({ broken: [], unknownKeys: [] });
  });

  it('a number no JS number holds exactly is compared exactly (2^53 + 1 is not 2^53)', () => {
    const junk = { ...seals[3], seq: Number(2n ** 53n + 1n), seqText: String(2n ** 53n + 1n) };
    expect(sequence(keys, [...seals, junk]).broken).toEqual([junk.eventId]);
  });

  it('a seal under a key no longer configured is named; its place in the sequence is still checked', () => {
    const old = AuditSealKeys.parse(`old:${b64()}`);
    const mixed = sealsOf(old, [[chain3[1], 2]]);
    const after = sealsOf(keys, [[chain3[3], 5]], mixed[0]);
    expect(sequence(keys, [...mixed, ...after])).toEqual({ broken: [], unknownKeys: ['old'] });
    expect(sequence(keys, [{ ...mixed[0], seq: 2, seqText: '2' }, ...after]).broken).toEqual([mixed[0].eventId, after[0].eventId]);
  });
});

describe('SealCheck', () => {
  const keys = AuditSealKeys.parse(`a1:${b64()}`);

  it('a chain sealed as it grew has no findings; a seal may come long after its events (an API down for hours)', () => {
    const walked = events(6).map((e, i) => (i < 3 ? e : { ...e, occurredAt: at(300 + i) }));
    const seals = sealsOf(keys, [[walked[1], 1], [walked[2], 299], [walked[5], 306]]);
    expect(check(keys, walked, seals, 307)).toEqual({ broken: [], unknownKeys: [] });
  });

  it('a sealed event whose hash changed (the chain was recomputed after an edit) is broken', () => {
    const walked = events(6);
    const seals = sealsOf(keys, [[walked[2], 3], [walked[5], 6]]);
    const rewritten = walked.map((e, i) => (i >= 1 ? { ...e, hash: Buffer.alloc(32, 200 + i) } : e));
    expect(check(keys, rewritten, seals, 7)).toMatchObject({ broken: ['3', '6'] });
  });

  it('a seal naming an event that is gone is broken, in the middle of the chain or past its end', () => {
    const walked = events(6);
    const seals = sealsOf(keys, [[walked[2], 3], [walked[5], 6]]);
    expect(check(keys, walked.filter((e) => e.id !== '3'), seals, 7)).toMatchObject({ broken: ['3'] });
    expect(check(keys, walked.slice(0, 5), seals, 7)).toMatchObject({ broken: ['6'] });
  });

  it('a seal whose MAC does not check covers nothing: its event counts as unsealed', () => {
    const walked = events(3);
    const [seal] = sealsOf(keys, [[walked[2], 3]]);
    const forged = { ...seal, mac: randomBytes(32) };
    expect(check(keys, walked, [forged], 30)).toMatchObject({ broken: ['3'], unsealedSince: at(0) });
  });

  it('seals given batch by batch are matched across the batches', () => {
    const walked = events(6);
    const seals = sealsOf(keys, [[walked[1], 2], [walked[4], 5]]);
    const sealCheck = new SealCheck(keys, new Date(T0 + 7 * MINUTE), GRACE);
    sealCheck.addSeals([seals[0]]);
    walked.slice(0, 3).forEach((e) => sealCheck.visit(e));
    sealCheck.addSeals([seals[1]]);
    walked.slice(3).forEach((e) => sealCheck.visit(e));
    expect(sealCheck.finish()).toEqual({ broken: [], unknownKeys: [] });
  });

  it('events past the last seal are fine within the grace period, reported once it has passed (sealing is not running)', () => {
    const walked = events(5);
    const seals = sealsOf(keys, [[walked[1], 2]]);
    expect(check(keys, walked, seals, 2 + 15)).not.toHaveProperty('unsealedSince');
    expect(check(keys, walked, seals, 2 + 16)).toMatchObject({ unsealedSince: at(2) });
    // A chain never sealed, as well; the oldest unsealed event counts, whatever the order of their times.
    const shuffled = walked.map((e, i) => (i === 3 ? { ...e, occurredAt: at(-5) } : e));
    expect(check(keys, shuffled, [], 11)).toMatchObject({ unsealedSince: at(-5) });
  });
});
