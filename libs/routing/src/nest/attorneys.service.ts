import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '@amparo/audit';
import type { Principal } from '@amparo/auth';
import { Clock, entityTags, notFound, requireVersion, validationFailed } from '@amparo/common';
import { AttorneyProfileDto } from './attorney-profile.dto';
import { ReferralsService } from './referrals.service';
import { ProfileFit, fitOfRow, sameFit } from '../domain/profile-fit';

export interface AttorneyProfileView {
  userId: string;
  name: string;
  barStates: string[];
  eoirRegistered: boolean;
  languages: string[];
  practiceAreas: string[];
  experience: string[];
  facilityCodes: string[];
  states: string[];
  maxActiveCases: number;
  acceptingReferrals: boolean;
  unavailableUntil: string | null;
  activeCases: number;
  openOffers: number;
  /** The profile's version (its ETag, for a PUT's If-Match). */
  updatedAt: string;
}

interface ProfileRow {
  user_id: string;
  name: string;
  bar_states: string[];
  eoir_registered: boolean;
  languages: string[];
  practice_areas: string[];
  experience: string[];
  facility_codes: string[];
  states: string[];
  max_active_cases: number;
  accepting_referrals: boolean;
  unavailable_until: Date | null;
  active_cases: number;
  open_offers: number;
  updated_at: Date;
}

const toView = (r: ProfileRow): AttorneyProfileView => ({
  userId: r.user_id,
  name: r.name,
  barStates: r.bar_states,
  eoirRegistered: r.eoir_registered,
  languages: r.languages,
  practiceAreas: r.practice_areas,
  experience: r.experience,
  facilityCodes: r.facility_codes,
  states: r.states,
  maxActiveCases: r.max_active_cases,
  acceptingReferrals: r.accepting_referrals,
  unavailableUntil: r.unavailable_until?.toISOString() ?? null,
  activeCases: r.active_cases,
  openOffers: r.open_offers,
  updatedAt: r.updated_at.toISOString(),
});

/** A profile with its load: `$1` is now (an offer past its answer time is no longer open, as routing counts it). */
const PROFILE_SELECT = `
  SELECT p.*, u.name,
         (SELECT count(*)::int FROM cases c WHERE c.assigned_attorney_id = p.user_id AND c.status = 'assigned') AS active_cases,
         (SELECT count(*)::int FROM referrals r WHERE r.attorney_id = p.user_id AND r.status = 'offered' AND r.respond_by > $1) AS open_offers
    FROM attorney_profiles p JOIN users u ON u.id = p.user_id`;

@Injectable()
export class AttorneysService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly referrals: ReferralsService,
  ) {}

  private readonly logger = new Logger('Attorneys');

  async upsert(actor: Principal, userId: string, dto: AttorneyProfileDto, ifMatch?: string): Promise<AttorneyProfileView> {
    const versions = entityTags(ifMatch);
    const [user] = await this.db.query(`SELECT id FROM users WHERE id = $1 AND organization_id = $2 AND role = 'attorney'`, [
      userId, actor.organizationId,
    ]);
    if (!user) throw notFound('Attorney');
    // A code no facility has would be stored, and never match a case: said now, naming it.
    const known: { code: string }[] = await this.db.query(`SELECT code FROM facilities WHERE code = ANY($1::text[])`, [dto.facilityCodes]);
    const unknown = dto.facilityCodes.filter((code) => !known.some((f) => f.code === code));
    if (unknown.length > 0) {
      throw validationFailed({ facilityCodes: [`facilityCodes: no ICE detention location has the code ${unknown.join(', ')} (GET /api/facilities?q= finds one)`] });
    }
    const fitChanged = await this.audit.transaction(async (tx) => {
      // What offers are judged on (the case's facts against these): only a change of it reviews the open offers.
      const [before]: { languages: string[]; practice_areas: string[]; facility_codes: string[]; states: string[]; eoir_registered: boolean; updated_at: Date }[] =
        await tx.query(`SELECT languages, practice_areas, facility_codes, states, eoir_registered, updated_at FROM attorney_profiles WHERE user_id = $1 FOR UPDATE`, [userId]);
      // A form read before someone else saved the profile (the attorney marking themself away) does not undo it.
      requireVersion(versions, before?.updated_at ?? null, 'profile');
      await tx.query(
        `INSERT INTO attorney_profiles (user_id, organization_id, bar_states, eoir_registered, languages, practice_areas,
                                        facility_codes, states, max_active_cases, accepting_referrals, unavailable_until, updated_at,
                                        experience)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (user_id) DO UPDATE SET bar_states = EXCLUDED.bar_states, eoir_registered = EXCLUDED.eoir_registered,
           languages = EXCLUDED.languages, practice_areas = EXCLUDED.practice_areas, facility_codes = EXCLUDED.facility_codes,
           states = EXCLUDED.states, max_active_cases = EXCLUDED.max_active_cases,
           accepting_referrals = EXCLUDED.accepting_referrals, unavailable_until = EXCLUDED.unavailable_until,
           updated_at = EXCLUDED.updated_at,
           experience = CASE WHEN $14 THEN EXCLUDED.experience ELSE attorney_profiles.experience END`,
        [
          userId, actor.organizationId, dto.barStates, dto.eoirRegistered, dto.languages, dto.practiceAreas,
          dto.facilityCodes.map((c) => c.toUpperCase()), dto.states, dto.maxActiveCases, dto.acceptingReferrals,
          dto.unavailableUntil ?? null, this.clock.now(), dto.experience ?? [], dto.experience !== undefined,
        ],
      );
      await this.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        actorRole: actor.role,
        action: 'attorney.profile',
        details: { attorneyId: userId, acceptingReferrals: dto.acceptingReferrals, maxActiveCases: dto.maxActiveCases },
      });
      const after: ProfileFit = {
        languages: dto.languages, practiceAreas: dto.practiceAreas as ProfileFit['practiceAreas'], facilityCodes: dto.facilityCodes.map((c) => c.toUpperCase()),
        states: dto.states, eoirRegistered: dto.eoirRegistered,
      };
      return !before || !sameFit(fitOfRow(before), after);
    });
    // Their open offers against the new profile, once it is committed (the review holds no profile lock; a routing
    // that waited for it judges the new profile itself). The profile is saved whatever happens to the review.
    if (fitChanged) {
      await this.referrals.reviewOffersOf(actor, userId).catch((error: unknown) =>
        this.logger.error({ err: error, attorneyId: userId }, 'Reviewing the open offers after a profile change stopped (the database is out of reach); the attorney may still be offered cases they no longer fit until they answer or the offers expire'),
      );
    }
    return this.get(actor, userId);
  }

  async get(actor: Principal, userId: string): Promise<AttorneyProfileView> {
    const [row]: ProfileRow[] = await this.db.query(`${PROFILE_SELECT} WHERE p.user_id = $2 AND p.organization_id = $3`, [this.clock.now(), userId, actor.organizationId]);
    if (!row) throw notFound('Attorney profile');
    return toView(row);
  }

  async list(actor: Principal): Promise<AttorneyProfileView[]> {
    const rows: ProfileRow[] = await this.db.query(`${PROFILE_SELECT} WHERE p.organization_id = $2 AND u.active AND u.role = 'attorney' ORDER BY u.name, u.id`, [this.clock.now(), actor.organizationId]);
    return rows.map(toView);
  }
}
