import type { TriggerSpec } from './rule-set';
import type { CaseEventFact, CaseEventType, CaseFacts } from './types';

/** Something that starts a clock: an event, or facts recorded on the custody itself. */
export interface Trigger {
  /** Event id, or 'custody' for custody facts. */
  id: string;
  event?: CaseEventFact;
  /** The trigger time as given, and its path in the input for error messages. */
  at: string;
  field: string;
}

interface IndexedEvent {
  event: CaseEventFact;
  index: number;
}

function eventsOfType(facts: CaseFacts, type: CaseEventType, match?: Record<string, string>): IndexedEvent[] {
  return facts.events
    .map((event, index) => ({ event, index }))
    .filter(({ event }) => event.type === type)
    .filter(({ event }) => !match || Object.entries(match).every(([k, v]) => event.data?.[k] === v));
}

function eventTrigger({ event, index }: IndexedEvent): Trigger {
  return { id: event.id, event, at: event.occurredAt, field: `events[${index}].occurredAt` };
}

/** Custody in which no jail holds the person: an ICE detainer hold is over (ICE took them, or they are out). */
const HOLD_OVER = new Set(['ice_detention', 'released', 'not_detained']);

function detainerTriggers(facts: CaseFacts, whileJailMayHold: boolean): Trigger[] {
  if (whileJailMayHold && HOLD_OVER.has(facts.custody.status)) return [];
  const detainerKnown = facts.custody.detainerLodged === true || eventsOfType(facts, 'detainer_lodged').length > 0;
  if (!detainerKnown) return [];
  // A release_eligible event is newer information than the intake's releaseEligibleAt.
  const events = eventsOfType(facts, 'release_eligible').map(eventTrigger);
  if (events.length > 0) return events;
  const at = facts.custody.releaseEligibleAt;
  return at ? [{ id: 'custody', at, field: 'custody.releaseEligibleAt' }] : [];
}

function releasedFromIceTriggers(facts: CaseFacts): Trigger[] {
  const events = eventsOfType(facts, 'released', { from: 'ice' }).map(eventTrigger);
  if (events.length > 0) return events;
  const { status, releasedFrom, releasedAt } = facts.custody;
  return status === 'released' && releasedFrom === 'ice' && releasedAt
    ? [{ id: 'custody', at: releasedAt, field: 'custody.releasedAt' }]
    : [];
}

/** The events that end a rule's triggers (`endedBy`), as triggers, so they are read as triggers are. */
export function findEndings(facts: CaseFacts, spec: TriggerSpec): Trigger[] {
  return spec.kind === 'event' && spec.endedBy ? eventsOfType(facts, spec.endedBy).map(eventTrigger) : [];
}

export function findTriggers(facts: CaseFacts, spec: TriggerSpec): Trigger[] {
  switch (spec.kind) {
    case 'detainer_release_eligible':
      return detainerTriggers(facts, spec.whileJailMayHold === true);
    case 'released_from_ice':
      return releasedFromIceTriggers(facts);
    case 'event':
      return eventsOfType(facts, spec.eventType, spec.match).map(eventTrigger);
  }
}
