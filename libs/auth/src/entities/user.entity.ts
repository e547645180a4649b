import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../roles';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('text')
  email: string;

  @Column('text')
  name: string;

  @Column({ type: 'enum', enum: ['admin', 'coordinator', 'intake', 'attorney'], enumName: 'user_role' })
  role: Role;

  @Column('text', { name: 'password_hash', select: false })
  passwordHash: string;

  @Column('boolean')
  active: boolean;

  /** Set for a temporary password (the system's, or one an admin chose): it expires then, and must be changed first. */
  @Column({ name: 'password_expires_at', type: 'timestamptz', nullable: true })
  passwordExpiresAt: Date | null;

  /** Who set the current password: the user, an admin (temporary), or the operator (the first admin's, a reset). */
  @Column({ name: 'password_set_by', type: 'text', default: 'user' })
  passwordSetBy: 'user' | 'admin' | 'operator';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  organizationId: string;
  active: boolean;
  /** Signed in with a temporary password: every route but changing it (and me, logout) answers 403 until it is. */
  passwordChangeRequired: boolean;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    organizationId: user.organizationId,
    active: user.active,
    passwordChangeRequired: user.passwordExpiresAt != null,
  };
}
