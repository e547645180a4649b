import { FixedOffsetZone, IANAZone, Zone, type ZoneOffsetFormat, type ZoneOffsetOptions } from 'luxon';

// luxon answers every offset question about an IANA zone by formatting the instant with Intl (formatToParts), and
// every zone abbreviation ("CST", the ZZZZ token) by building a new Intl.DateTimeFormat. One intake asks hundreds of
// them: that was the largest share of its CPU. Offsets and abbreviations change only at transitions, so they are
// remembered per 15-minute slot of UTC time.
//
// Correctness: a slot's answer is cached only when its first and last millisecond give the same answer; a slot with
// a transition inside it is answered exactly, every time. The one thing assumed is that no zone changes and changes
// back within the same 15 minutes, which tzdata has never done.

const SLOT_MS = 15 * 60_000;
/** Distinct slots remembered per zone before that zone's cache starts over (a few hundred KiB at most). */
const MAX_SLOTS = 20_000;

type SlotAnswer<T> = T | typeof TRANSITION;
const TRANSITION = Symbol('a transition inside the slot');

/** Exported for its unit test. */
export function slotCache<T>(exact: (ts: number) => T): (ts: number) => T {
  const slots = new Map<number, SlotAnswer<T>>();
  return (ts: number) => {
    const slot = Math.floor(ts / SLOT_MS);
    let answer = slots.get(slot);
    if (answer === undefined) {
      const first = exact(slot * SLOT_MS);
      answer = first === exact(slot * SLOT_MS + SLOT_MS - 1) ? first : TRANSITION;
      if (slots.size >= MAX_SLOTS) slots.clear();
      slots.set(slot, answer);
    }
    return answer === TRANSITION ? exact(ts) : answer;
  };
}

/**
 * An IANA zone with remembered offsets and abbreviations. It reports itself as type "iana" with the IANA name, so luxon
 * treats it as the zone it stands for (Intl formatting, equality with IANAZone, ISO output with the name).
 */
class CachedIanaZone extends Zone {
  private readonly cachedOffset: (ts: number) => number;
  private readonly names = new Map<string, (ts: number) => string>();

  constructor(private readonly base: IANAZone) {
    super();
    this.cachedOffset = slotCache((ts) => base.offset(ts));
  }

  override get type(): string {
    return 'iana';
  }

  override get name(): string {
    return this.base.name;
  }

  override get isUniversal(): boolean {
    return false;
  }

  override get isValid(): true {
    return true;
  }

  override offset(ts: number): number {
    return Number.isFinite(ts) ? this.cachedOffset(ts) : NaN;
  }

  override offsetName(ts: number, options: ZoneOffsetOptions): string | null {
    if (!Number.isFinite(ts)) return null;
    const format = options.format ?? 'short';
    const locale = options.locale ?? 'en-US';
    const key = `${format}|${locale}`;
    let name = this.names.get(key);
    if (!name) {
      const dtf = new Intl.DateTimeFormat(locale, { timeZone: this.base.name, timeZoneName: format, year: 'numeric' });
      name = slotCache((t) => dtf.formatToParts(t).find((part) => part.type === 'timeZoneName')?.value ?? '');
      this.names.set(key, name);
    }
    return name(ts) || null;
  }

  override formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return FixedOffsetZone.instance(this.offset(ts)).formatOffset(ts, format);
  }

  override equals(other: Zone): boolean {
    return other.type === 'iana' && other.name === this.name;
  }
}

/** One zone object per canonical IANA name (a few hundred at most). */
const BY_CANONICAL_NAME = new Map<string, Zone>();
/** Names as given ("america/chicago" is valid too) → their zone; bounded, since spellings are unbounded. */
const BY_GIVEN_NAME = new Map<string, Zone>();
const MAX_GIVEN_NAMES = 2000;

/**
 * The luxon zone to use for an IANA name (validated by the caller: see requireZone). Pass it wherever luxon takes a
 * zone (`setZone`, `{ zone }`); the DateTimes made with it keep it through `plus`, `startOf` and the rest. Spellings
 * of one zone share one cache; an invalid name gives luxon's invalid zone.
 */
export function tz(name: string): Zone {
  let zone = BY_GIVEN_NAME.get(name);
  if (zone) return zone;
  const base = IANAZone.create(name);
  if (!base.isValid) {
    zone = base;
  } else {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    zone = BY_CANONICAL_NAME.get(canonical);
    if (!zone) {
      zone = new CachedIanaZone(IANAZone.create(canonical));
      BY_CANONICAL_NAME.set(canonical, zone);
    }
  }
  if (BY_GIVEN_NAME.size >= MAX_GIVEN_NAMES) BY_GIVEN_NAME.clear();
  BY_GIVEN_NAME.set(name, zone);
  return zone;
}
