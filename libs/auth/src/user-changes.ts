import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal, Role } from './roles';

/**
 * A user created or changed by an admin, or their password by themself, inside the transaction that does it (the user's
 * row locked).
 */
export interface UserChange {
  actor: Principal;
  userId: string;
  organizationId: string;
  /** Role and active flag before (null: just created) and after. */
  before: { role: Role; active: boolean } | null;
  after: { role: Role; active: boolean };
  /** The fields that changed (`name`, `role`, `active`; all three for a new user; `password`, changed by the user). */
  fields: string[];
}

export interface UserChangeListener {
  /**
   * `effects` run first (what the change means for the user's work: offers, cases), `audit` last (its appends take
   * the audit heads, the last locks of any transaction).
   */
  phase: 'effects' | 'audit';
  userChanged(tx: EntityManager, change: UserChange): Promise<void>;
}

/**
 * Where modules that auth cannot depend on (routing, audit: they depend on auth) hear of user changes, in the same
 * transaction: each registers itself when its module starts.
 */
@Injectable()
export class UserChanges {
  private readonly listeners: UserChangeListener[] = [];
  private around: (<T>(tx: EntityManager, work: () => Promise<T>) => Promise<T>) | null = null;

  register(listener: UserChangeListener): void {
    this.listeners.push(listener);
  }

  /** Runs every publication inside `around` (the audit's appendingLast: the heads are taken last, in one order). */
  runAround(around: <T>(tx: EntityManager, work: () => Promise<T>) => Promise<T>): void {
    this.around = around;
  }

  async publish(tx: EntityManager, change: UserChange): Promise<void> {
    const work = async () => {
      for (const phase of ['effects', 'audit'] as const) {
        for (const listener of this.listeners.filter((l) => l.phase === phase)) await listener.userChanged(tx, change);
      }
    };
    await (this.around ? this.around(tx, work) : work());
  }
}
