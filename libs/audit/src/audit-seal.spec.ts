import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { AuditSealKeys, FIRST_SEAL_PREV, SealCheck, SealedPoint, StoredSeal, WalkedEvent } from './audit-seal';

const b64 = () => randomBytes(32).toString('base64');
const ORG = '6a3e1c1e-8a43-4b54-9a5f-2f5a4c0e9b11';
const MINUTE = 60_000;
const GRACE = 15 * MINUTE;
const T0 = Date.parse('2026-11-20T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();

/** Events 1..n of one chain, one a minute from T0. */
const events = (n: number): WalkedEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: String(i + 1), hash: Buffer.alloc(32, i + 1), occurredAt: at(i) }));

/** Seals of the given events in order, numbered and linked as the sealing job writes them, at the given minutes. */
function sealsOf(keys: AuditSealKeys, sealed: [WalkedEvent, number][], from: StoredSeal | null = null): StoredSeal[] {
  const out: StoredSeal[] = [];
  let previous = from;
  for (const [event, minutes] of sealed) {
    const point: SealedPoint = {
      organizationId: ORG, chain: 3, seq: (previous?.seq ?? 0) + 1, prevMac: previous?.mac ?? FIRST_SEAL_PREV,
      eventId: event.id, eventHash: event.hash, sealedAt: at(minutes),
    };
    previous = { ...point, ...keys.seal(point) };
    out.push(previous);
  }
  return out;
}

function check(keys: AuditSealKeys, walked: WalkedEvent[], seals: StoredSeal[], nowMinutes: number, orgFirstMinutes?: number) {
  const orgFirst = orgFirstMinutes !== undefined ? at(orgFirstMinutes) : seals.length ? seals.map((x) => x.sealedAt).sort()[0] : null;
  const sealCheck = new SealCheck(keys, new Date(T0 + nowMinutes * MINUTE), GRACE, orgFirst);
  sealCheck.addSeals(seals);
  walked.forEach((e) => sealCheck.visit(e));
  return sealCheck.finish();
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

describe('SealCheck', () => {
  const keys = AuditSealKeys.parse(`a1:${b64()}`);

  it('a chain sealed as it grew has no findings; its first seal may cover older events (the upgrade)', () => {
    // Five events, then an upgrade an hour later seals the chain; five more events follow, sealed a minute later.
    const walked = events(10).map((e, i) => (i < 5 ? e : { ...e, occurredAt: at(55 + i) }));
    const seals = sealsOf(keys, [[walked[4], 60], [walked[9], 65]]);
    expect(check(keys, walked, seals, 66)).toEqual({ broken: [], unknownKeys: [], firstSealedAt: at(60) });
  });

  it('an API down for hours seals what it recorded before when it starts again: no finding', () => {
    const walked = events(6).map((e, i) => (i < 3 ? e : { ...e, occurredAt: at(300 + i) }));
    const seals = sealsOf(keys, [[walked[1], 1], [walked[2], 299], [walked[5], 306]]);
    expect(check(keys, walked, seals, 307)).toEqual({ broken: [], unknownKeys: [], firstSealedAt: at(1) });
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

  it('a seal removed from the middle breaks the next one; the first ones removed, the new first is not number 1', () => {
    const walked = events(6);
    const seals = sealsOf(keys, [[walked[1], 2], [walked[3], 4], [walked[5], 6]]);
    expect(check(keys, walked, [seals[0], seals[2]], 7)).toMatchObject({ broken: ['6'] });
    expect(check(keys, walked, seals.slice(1), 7, 2)).toMatchObject({ broken: ['4'] });
  });

  it('a chain sealed from scratch after the organization\'s first sealing, over older events, is broken (its seals were removed)', () => {
    const walked = events(6);
    // The organization's other chains were sealed at minute 2; this one's seals were deleted and it was sealed anew at 100.
    const resealed = sealsOf(keys, [[walked[5], 100]]);
    expect(check(keys, walked, resealed, 101, 2)).toMatchObject({ broken: ['6'] });
    // A chain whose events all came after the organization's first sealing starts its own seals then: fine.
    const newChain = events(2).map((e, i) => ({ ...e, occurredAt: at(90 + i) }));
    expect(check(keys, newChain, sealsOf(keys, [[newChain[1], 92]]), 93, 2)).toMatchObject({ broken: [] });
  });

  it('a MAC that does not check is broken; one under an unknown key is reported as such', () => {
    const walked = events(3);
    const [first, second] = sealsOf(keys, [[walked[1], 2], [walked[2], 3]]);
    const forged = { ...second, mac: randomBytes(32) };
    expect(check(keys, walked, [first, forged], 4)).toMatchObject({ broken: ['3'], unknownKeys: [] });
    const otherKey = sealsOf(AuditSealKeys.parse(`old:${b64()}`), [[walked[1], 2]]);
    expect(check(keys, walked, otherKey, 4)).toMatchObject({ broken: [], unknownKeys: ['old'] });
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
