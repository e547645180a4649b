import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Days a lowered retention waits before it shreds what the period in force before kept. */
export const RETENTION_LOWERING_GRACE_DAYS = 7;

export type OfferWindows = Record<'critical' | 'high' | 'normal' | 'low', number>;

@Entity('organizations')
export class Organization {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('boolean', { name: 'auto_routing' })
  autoRouting: boolean;

  /** Minutes an attorney has to answer an offer, per urgency level. */
  @Column('jsonb', { name: 'offer_windows_minutes' })
  offerWindowsMinutes: OfferWindows;

  @Column('integer', { name: 'retention_days' })
  retentionDays: number;

  /**
   * A lowered retention takes effect after RETENTION_LOWERING_GRACE_DAYS: until `retentionKeptUntil`, closed cases are
   * kept `retentionKeptDays` (the period in force before), so that a mistyped value can be put back before it shreds.
   */
  @Column('integer', { name: 'retention_kept_days', nullable: true })
  retentionKeptDays: number | null;

  @Column('timestamptz', { name: 'retention_kept_until', nullable: true })
  retentionKeptUntil: Date | null;

  /** IANA zone for cases whose place is not known (no facility, zone or state given). */
  @Column('text', { name: 'time_zone' })
  timeZone: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The settings' version (their ETag, for a PATCH's If-Match): set by each change that changes something. */
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
