import type { EntityManager } from 'typeorm';
import { FixedClock } from '@amparo/common';
import { OutboxService } from './outbox.service';

describe('OutboxService.enqueue', () => {
  it('inserts in dedupe-key order, whatever order it was given (concurrent planners lock keys alike)', async () => {
    const query = jest.fn().mockResolvedValue([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    const item = (dedupeKey: string) => ({ organizationId: 'org', recipientId: `user-${dedupeKey}`, kind: 'test', dedupeKey, subject: 's', body: 'b' });
    const created = await new OutboxService(new FixedClock(new Date('2027-06-12T04:30:00Z'))).enqueue({ query } as unknown as EntityManager, [item('reminder:c'), item('reminder:a'), item('reminder:b')]);
    expect(created).toBe(3);
    const [, params] = query.mock.calls[0];
    expect(params[3]).toEqual(['reminder:a', 'reminder:b', 'reminder:c']);
    expect(params[1]).toEqual(['user-reminder:a', 'user-reminder:b', 'user-reminder:c']); // columns stay together
  });

  it("queues a notification due at once at the app's clock, the one the delivery reads, not the database's now()", async () => {
    const query = jest.fn().mockResolvedValue([{ id: 'n1' }, { id: 'n2' }]);
    const at = new Date('2027-06-12T04:30:00Z');
    const held = new Date('2027-06-12T04:45:00Z');
    const item = { organizationId: 'org', recipientId: 'user', kind: 'test', subject: 's', body: 'b' };
    await new OutboxService(new FixedClock(at)).enqueue({ query } as unknown as EntityManager, [
      { ...item, dedupeKey: 'a' },
      { ...item, dedupeKey: 'b', notBefore: held },
    ]);
    const [sql, params] = query.mock.calls[0];
    expect(sql).toContain('COALESCE(n, $9), $9'); // due and written at the clock's time: unclaimed, next_attempt_at = created_at
    expect(sql).not.toContain('now()');
    expect(params[7]).toEqual([null, held]);
    expect(params[8]).toEqual(at);
  });
});
