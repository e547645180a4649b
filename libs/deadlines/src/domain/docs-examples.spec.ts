import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeDeadlines } from './compute-deadlines';
import { assessUrgency } from './urgency';
import type { CaseEventType, CaseFacts, ComputedDeadline } from './types';

// docs/deadlines.md promises its examples are true: this spec reads them from the document itself.
const doc = readFileSync(join(__dirname, '../../../../docs/deadlines.md'), 'utf8');

function exampleRows(): string[][] {
  const block = doc.split('<!-- examples:begin -->')[1]?.split('<!-- examples:end -->')[0] ?? '';
  return block
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // header and separator
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim().replace(/^`|`$/g, '')),
    );
}

describe('docs/deadlines.md worked examples', () => {
  const rows = exampleRows();

  it('has examples to check', () => {
    expect(rows.length).toBeGreaterThanOrEqual(13);
  });

  it.each(rows)('%s after %s at %s', (rule, event, occurredAt, data, zone, dueAt, also) => {
    const facts: CaseFacts = {
      custody: { status: 'unknown', timeZone: zone, detainerLodged: rule === 'detainer_hold' },
      events: [{ id: 'e1', type: event as CaseEventType, occurredAt, data: data === '—' ? {} : JSON.parse(data) }],
    };
    const deadline = computeDeadlines(facts).find((d) => d.rule === rule);
    expect(deadline?.dueAt).toBe(dueAt);
    if (also !== '—') {
      const [field, value] = also.split(' ');
      expect(deadline?.[field as keyof ComputedDeadline]).toBe(value);
    }
  });

  it('the urgency reason example is what assessUrgency says', () => {
    const section = doc.split('<!-- reason-example -->')[1];
    const [releaseEligibleAt, now] = [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const quoted = /"(ICE detainer[^"]+)"/.exec(section)?.[1];
    const deadlines = computeDeadlines({
      custody: { status: 'local_jail', timeZone: 'America/Chicago', detainerLodged: true, releaseEligibleAt },
      events: [],
    }).map((d) => ({ ...d, status: 'open' as const }));
    const result = assessUrgency({ deadlines, flags: [], custodyStatus: 'local_jail', placeName: 'Harris County Jail', now: new Date(now) });
    expect(result.level).toBe('critical');
    expect(result.reasons[0]).toBe(quoted);
  });
});
