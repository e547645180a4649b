import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
