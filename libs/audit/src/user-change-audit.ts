import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UserChange, UserChanges } from '@amparo/auth';
import { AuditService } from './audit.service';

/**
 * Who was given which role, deactivated or reactivated, and by whom: `user.create` and `user.update` with the
 * role and active flag before and after (never the email or the name, only that the name changed).
 */
@Injectable()
export class UserChangeAudit implements OnModuleInit {
  constructor(
    private readonly changes: UserChanges,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.changes.register({ phase: 'audit', userChanged: (tx, change) => this.record(tx, change) });
    // What the listeners record (cases released, this user's change) is appended at the end, in chain order.
    this.changes.runAround((tx, work) => this.audit.appendingLast(tx, work));
  }

  private record(tx: EntityManager, change: UserChange): Promise<void> {
    return this.audit.record(tx, {
      organizationId: change.organizationId,
      actorId: change.actor.userId,
      actorRole: change.actor.role,
      action: change.before ? 'user.update' : 'user.create',
      fields: change.fields,
      details: { userId: change.userId, ...(change.before ? { before: change.before } : {}), after: change.after },
    });
  }
}
