import type { EntityManager } from 'typeorm';
import { OutboxService } from './outbox.service';

describe('OutboxService.enqueue', () => {
  it('inserts in dedupe-key order, whatever order it was given (concurrent planners lock keys alike)', async () => {
    const query = jest.fn().mockResolvedValue([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    const item = (dedupeKey: string) => ({ organizationId: 'org', recipientId: `user-${dedupeKey}`, kind: 'test', dedupeKey, subject: 's', body: 'b' });
    const created = await new OutboxService().enqueue({ query } as unknown as EntityManager, [item('reminder:c'), item('reminder:a'), item('reminder:b')]);
    expect(created).toBe(3);
    const [, params] = query.mock.calls[0];
    expect(params[3]).toEqual(['reminder:a', 'reminder:b', 'reminder:c']);
    expect(params[1]).toEqual(['user-reminder:a', 'user-reminder:b', 'user-reminder:c']); // columns stay together
  });
});
