import { Platform1764000000000 } from './1764000000000-Platform';
import { Cases1764000100000 } from './1764000100000-Cases';
import { Facilities1764000200000 } from './1764000200000-Facilities';
import { Notifications1764000300000 } from './1764000300000-Notifications';
import { Referrals1764000400000 } from './1764000400000-Referrals';
import { AuditChains1764000500000 } from './1764000500000-AuditChains';
import { RoutingIndexes1764000600000 } from './1764000600000-RoutingIndexes';
import { AuditHeads1764000700000 } from './1764000700000-AuditHeads';
import { RoutingPlaceIndexes1764000800000 } from './1764000800000-RoutingPlaceIndexes';
import { AttorneyExperience1764000900000 } from './1764000900000-AttorneyExperience';
import { FlagLabelsWithoutFacts1764001000000 } from './1764001000000-FlagLabelsWithoutFacts';
import { OrganizationTimeZone1764001100000 } from './1764001100000-OrganizationTimeZone';
import { FrozenEventZonesKeyedDigests1764001200000 } from './1764001200000-FrozenEventZonesKeyedDigests';
import { NotificationCancellation1764001300000 } from './1764001300000-NotificationCancellation';
import { EventRetraction1764001400000 } from './1764001400000-EventRetraction';
import { UrgencyReview1764001500000 } from './1764001500000-UrgencyReview';
import { CountyJail287g1764001600000 } from './1764001600000-CountyJail287g';
import { LanguageCodes1764001700000 } from './1764001700000-LanguageCodes';
import { CountyKeys1764001800000 } from './1764001800000-CountyKeys';
import { ClosedCaseDeadlines1764001900000 } from './1764001900000-ClosedCaseDeadlines';
import { CriminalHistoryFlag1764002000000 } from './1764002000000-CriminalHistoryFlag';
import { AuditIdsPositive1764002100000 } from './1764002100000-AuditIdsPositive';
import { FormerClients1764002200000 } from './1764002200000-FormerClients';
import { AuditSeals1764002300000 } from './1764002300000-AuditSeals';
import { ReminderDueKeys1764002400000 } from './1764002400000-ReminderDueKeys';
import { OpenOffersByAnswerTime1764002500000 } from './1764002500000-OpenOffersByAnswerTime';
import { FacilityListing1764002600000 } from './1764002600000-FacilityListing';
import { OfferWindowLevel1764002700000 } from './1764002700000-OfferWindowLevel';
import { AuditEventTimes1764002800000 } from './1764002800000-AuditEventTimes';
import { FacilityRezonedAt1764002900000 } from './1764002900000-FacilityRezonedAt';
import { RuleSetUpgradeReviews1764003000000 } from './1764003000000-RuleSetUpgradeReviews';
import { MotionRulingReviews1764003100000 } from './1764003100000-MotionRulingReviews';
import { WithdrawalReasons1764003200000 } from './1764003200000-WithdrawalReasons';
import { BiaRulingsInFallsChurch1764003300000 } from './1764003300000-BiaRulingsInFallsChurch';
import { BondDecisionAndGrantReviews1764003400000 } from './1764003400000-BondDecisionAndGrantReviews';
import { CountyKeysRecomputed1764003500000 } from './1764003500000-CountyKeysRecomputed';
import { HearingNoticesAndRebookingReviews1764003600000 } from './1764003600000-HearingNoticesAndRebookingReviews';
import { FormerStates1764003700000 } from './1764003700000-FormerStates';
import { AssignedWithoutConsent1764003800000 } from './1764003800000-AssignedWithoutConsent';
import { IndexKeyCheck1764003900000 } from './1764003900000-IndexKeyCheck';
import { UrgentNotificationsIndex1764004000000 } from './1764004000000-UrgentNotificationsIndex';
import { CustodyStatements1764004100000 } from './1764004100000-CustodyStatements';
import { MailOutage1764004200000 } from './1764004200000-MailOutage';
import { IdempotencyKeysByCase1764004300000 } from './1764004300000-IdempotencyKeysByCase';
import { ReferenceRuleVersions1764004400000 } from './1764004400000-ReferenceRuleVersions';
import { MissedDeadlineReviews1764004500000 } from './1764004500000-MissedDeadlineReviews';
import { RedetentionReviews1764004600000 } from './1764004600000-RedetentionReviews';
import { UrgencyOrder1764004700000 } from './1764004700000-UrgencyOrder';
import { ReleasedHearingReviews1764004800000 } from './1764004800000-ReleasedHearingReviews';
import { SignInDevices1764004900000 } from './1764004900000-SignInDevices';
import { NotificationsByCase1764005000000 } from './1764005000000-NotificationsByCase';
import { CanonicalEmails1764005100000 } from './1764005100000-CanonicalEmails';
import { BiaRulingsGivenAZone1764005200000 } from './1764005200000-BiaRulingsGivenAZone';
import { TemporaryPasswords1764005300000 } from './1764005300000-TemporaryPasswords';
import { ListIndexes1764005400000 } from './1764005400000-ListIndexes';
import { BondDecisionReviews1764005500000 } from './1764005500000-BondDecisionReviews';
import { PasswordSetBy1764005600000 } from './1764005600000-PasswordSetBy';
import { DuplicateRulingReviews1764005700000 } from './1764005700000-DuplicateRulingReviews';
import { ReleaseReasons1764005800000 } from './1764005800000-ReleaseReasons';
import { UnknownCustodyDetainerReviews1764005900000 } from './1764005900000-UnknownCustodyDetainerReviews';
import { UncertainPlaceReviews1764006000000 } from './1764006000000-UncertainPlaceReviews';
import { CountyZonesReread1764006100000 } from './1764006100000-CountyZonesReread';
import { MissedHoldIndex1764006200000 } from './1764006200000-MissedHoldIndex';
import { MissedHoldLimitIndex1764006300000 } from './1764006300000-MissedHoldLimitIndex';
import { FullWidthCountiesReread1764006400000 } from './1764006400000-FullWidthCountiesReread';
import { ClosedCountiesReadAtReopen1764006500000 } from './1764006500000-ClosedCountiesReadAtReopen';
import { CountedDayReviews1764006600000 } from './1764006600000-CountedDayReviews';
import { SameDayRebookingReviews1764006700000 } from './1764006700000-SameDayRebookingReviews';
import { OrganizationVersion1764006800000 } from './1764006800000-OrganizationVersion';
import { ReopenedUrgent1764006900000 } from './1764006900000-ReopenedUrgent';
import { RetentionLoweringGrace1764007000000 } from './1764007000000-RetentionLoweringGrace';

/** Every migration, in order. The app, the CLI and the tests share this list through one DataSource. */
export const MIGRATIONS = [
  Platform1764000000000,
  Cases1764000100000,
  Facilities1764000200000,
  Notifications1764000300000,
  Referrals1764000400000,
  AuditChains1764000500000,
  RoutingIndexes1764000600000,
  AuditHeads1764000700000,
  RoutingPlaceIndexes1764000800000,
  AttorneyExperience1764000900000,
  FlagLabelsWithoutFacts1764001000000,
  OrganizationTimeZone1764001100000,
  FrozenEventZonesKeyedDigests1764001200000,
  NotificationCancellation1764001300000,
  EventRetraction1764001400000,
  UrgencyReview1764001500000,
  CountyJail287g1764001600000,
  LanguageCodes1764001700000,
  CountyKeys1764001800000,
  ClosedCaseDeadlines1764001900000,
  CriminalHistoryFlag1764002000000,
  AuditIdsPositive1764002100000,
  FormerClients1764002200000,
  AuditSeals1764002300000,
  ReminderDueKeys1764002400000,
  OpenOffersByAnswerTime1764002500000,
  FacilityListing1764002600000,
  OfferWindowLevel1764002700000,
  AuditEventTimes1764002800000,
  FacilityRezonedAt1764002900000,
  RuleSetUpgradeReviews1764003000000,
  MotionRulingReviews1764003100000,
  WithdrawalReasons1764003200000,
  BiaRulingsInFallsChurch1764003300000,
  BondDecisionAndGrantReviews1764003400000,
  CountyKeysRecomputed1764003500000,
  HearingNoticesAndRebookingReviews1764003600000,
  FormerStates1764003700000,
  AssignedWithoutConsent1764003800000,
  IndexKeyCheck1764003900000,
  UrgentNotificationsIndex1764004000000,
  CustodyStatements1764004100000,
  MailOutage1764004200000,
  IdempotencyKeysByCase1764004300000,
  ReferenceRuleVersions1764004400000,
  MissedDeadlineReviews1764004500000,
  RedetentionReviews1764004600000,
  UrgencyOrder1764004700000,
  ReleasedHearingReviews1764004800000,
  SignInDevices1764004900000,
  NotificationsByCase1764005000000,
  CanonicalEmails1764005100000,
  BiaRulingsGivenAZone1764005200000,
  TemporaryPasswords1764005300000,
  ListIndexes1764005400000,
  BondDecisionReviews1764005500000,
  PasswordSetBy1764005600000,
  DuplicateRulingReviews1764005700000,
  ReleaseReasons1764005800000,
  UnknownCustodyDetainerReviews1764005900000,
  UncertainPlaceReviews1764006000000,
  CountyZonesReread1764006100000,
  MissedHoldIndex1764006200000,
  MissedHoldLimitIndex1764006300000,
  FullWidthCountiesReread1764006400000,
  ClosedCountiesReadAtReopen1764006500000,
  CountedDayReviews1764006600000,
  SameDayRebookingReviews1764006700000,
  OrganizationVersion1764006800000,
  ReopenedUrgent1764006900000,
  RetentionLoweringGrace1764007000000,
];
