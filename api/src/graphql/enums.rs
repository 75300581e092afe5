//! GraphQL enums, mirrored one to one from the entity enums (generated from `entity/src/enums.rs`).

use async_graphql::Enum;

/// Level of a grid in the governance hierarchy (网格层级).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::GridLevel")]
pub enum GridLevel {
    /// District-level grid at the top of the hierarchy (区级).
    #[graphql(name = "DISTRICT")]
    District,
    /// Area grid within a district (片区).
    #[graphql(name = "AREA")]
    Area,
    /// Grid group within an area (组团).
    #[graphql(name = "GROUP")]
    Group,
    /// Cluster grid covering a block of households (微网格).
    #[graphql(name = "CLUSTER")]
    Cluster,
    /// Ten-household joint-defence unit at the bottom of the hierarchy (十户联防).
    #[graphql(name = "TEN_HOUSEHOLD")]
    TenHousehold,
}

/// Whether a grid belongs to the community or the police grid system.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::GridKind")]
pub enum GridKind {
    /// Community governance grid (社区网格).
    #[graphql(name = "COMMUNITY")]
    Community,
    /// Police beat grid (警格).
    #[graphql(name = "POLICE")]
    Police,
}

/// Kind of organisational unit that can receive and handle cases (单位类型).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::UnitKind")]
pub enum UnitKind {
    /// Police station (派出所).
    #[graphql(name = "POLICE_STATION")]
    PoliceStation,
    /// Community police office (警务室).
    #[graphql(name = "POLICE_OFFICE")]
    PoliceOffice,
    /// Police command centre (指挥中心).
    #[graphql(name = "COMMAND_CENTRE")]
    CommandCentre,
    /// Social governance centre (社会治理中心).
    #[graphql(name = "GOVERNANCE_CENTRE")]
    GovernanceCentre,
    /// Comprehensive administrative law enforcement (综合行政执法).
    #[graphql(name = "LAW_ENFORCEMENT")]
    LawEnforcement,
    /// Market supervision bureau (市场监管).
    #[graphql(name = "MARKET_SUPERVISION")]
    MarketSupervision,
    /// Judicial office (司法所).
    #[graphql(name = "JUSTICE")]
    Justice,
    /// Fire and rescue service (消防).
    #[graphql(name = "FIRE")]
    Fire,
    /// Letters and visits office (信访).
    #[graphql(name = "PETITIONS")]
    Petitions,
    /// Public utility such as water, power or gas (公用事业).
    #[graphql(name = "UTILITY")]
    Utility,
    /// Any other government department (其他部门).
    #[graphql(name = "OTHER_DEPARTMENT")]
    OtherDepartment,
}

/// Kind of staff account (人员类型).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PersonKind")]
pub enum PersonKind {
    /// Police officer (民警).
    #[graphql(name = "OFFICER")]
    Officer,
    /// Grid worker (网格员).
    #[graphql(name = "GRID_WORKER")]
    GridWorker,
    /// Enterprise liaison (企业联络员).
    #[graphql(name = "ENTERPRISE_LIAISON")]
    EnterpriseLiaison,
    /// Staff member of a government department (部门工作人员).
    #[graphql(name = "DEPARTMENT_STAFF")]
    DepartmentStaff,
    /// Member of a co-governance force (共治力量).
    #[graphql(name = "CO_GOVERNANCE_MEMBER")]
    CoGovernanceMember,
    /// Any other kind of staff.
    #[graphql(name = "OTHER")]
    Other,
}

/// Kind of case handled by the service (事件类型).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CaseKind")]
pub enum CaseKind {
    /// Police incident (警情).
    #[graphql(name = "POLICE_INCIDENT")]
    PoliceIncident,
    /// Non-police incident diverted from the police line (非警务警情).
    #[graphql(name = "NON_POLICE_INCIDENT")]
    NonPoliceIncident,
    /// Dispute to be mediated (矛盾纠纷).
    #[graphql(name = "DISPUTE")]
    Dispute,
    /// Safety hazard (安全隐患).
    #[graphql(name = "SAFETY_HAZARD")]
    SafetyHazard,
    /// Request for help (群众求助).
    #[graphql(name = "HELP_REQUEST")]
    HelpRequest,
    /// Matter raised by or concerning an enterprise (涉企事项).
    #[graphql(name = "ENTERPRISE_CASE")]
    EnterpriseCase,
}

/// Subject-matter category of a case (事件类别).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CaseCategory")]
pub enum CaseCategory {
    /// Neighbour dispute (邻里纠纷).
    #[graphql(name = "NEIGHBOUR")]
    Neighbour,
    /// Marriage or family dispute (婚姻家庭纠纷).
    #[graphql(name = "FAMILY")]
    Family,
    /// Labour dispute (劳动纠纷).
    #[graphql(name = "LABOUR")]
    Labour,
    /// Property-management dispute (物业纠纷).
    #[graphql(name = "PROPERTY")]
    Property,
    /// Consumer dispute (消费纠纷).
    #[graphql(name = "CONSUMER")]
    Consumer,
    /// Commercial or contract dispute (经济纠纷).
    #[graphql(name = "COMMERCIAL")]
    Commercial,
    /// Noise nuisance (噪声扰民).
    #[graphql(name = "NOISE")]
    Noise,
    /// Missing person (人员走失).
    #[graphql(name = "MISSING_PERSON")]
    MissingPerson,
    /// Lost property (物品遗失).
    #[graphql(name = "LOST_PROPERTY")]
    LostProperty,
    /// Theft (盗窃).
    #[graphql(name = "THEFT")]
    Theft,
    /// Fraud (诈骗).
    #[graphql(name = "FRAUD")]
    Fraud,
    /// Gas safety (燃气安全).
    #[graphql(name = "GAS")]
    Gas,
    /// Fire risk (消防隐患).
    #[graphql(name = "FIRE_RISK")]
    FireRisk,
    /// Traffic matter (交通).
    #[graphql(name = "TRAFFIC")]
    Traffic,
    /// Any other category.
    #[graphql(name = "OTHER")]
    Other,
}

/// Lifecycle status of a case (事件状态).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CaseStatus")]
pub enum CaseStatus {
    /// Reported and awaiting assessment (已上报).
    #[graphql(name = "REPORTED")]
    Reported,
    /// Assessed and graded (已研判).
    #[graphql(name = "ASSESSED")]
    Assessed,
    /// Dispatched to one or more units (已分派).
    #[graphql(name = "DISPATCHED")]
    Dispatched,
    /// Being handled by the assigned units (处置中).
    #[graphql(name = "IN_HANDLING")]
    InHandling,
    /// Under mediation (调解中).
    #[graphql(name = "MEDIATING")]
    Mediating,
    /// Resolved (已化解).
    #[graphql(name = "RESOLVED")]
    Resolved,
    /// Handling finished without resolution (未化解).
    #[graphql(name = "UNRESOLVED")]
    Unresolved,
    /// Result fed back to the reporter (已反馈).
    #[graphql(name = "FED_BACK")]
    FedBack,
    /// Return visit completed (已回访).
    #[graphql(name = "FOLLOWED_UP")]
    FollowedUp,
    /// Closed (已办结).
    #[graphql(name = "CLOSED")]
    Closed,
}

/// Colour-coded risk grade of a case (风险等级).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RiskColour")]
pub enum RiskColour {
    /// Red, the highest risk (红色).
    #[graphql(name = "RED")]
    Red,
    /// Orange, high risk (橙色).
    #[graphql(name = "ORANGE")]
    Orange,
    /// Yellow, moderate risk (黄色).
    #[graphql(name = "YELLOW")]
    Yellow,
    /// Green, low risk (绿色).
    #[graphql(name = "GREEN")]
    Green,
}

/// Severity grade of a case (事件等级).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Severity")]
pub enum Severity {
    /// Ordinary (一般).
    #[graphql(name = "ORDINARY")]
    Ordinary,
    /// Larger (较大).
    #[graphql(name = "LARGER")]
    Larger,
    /// Major (重大).
    #[graphql(name = "MAJOR")]
    Major,
}

/// Channel through which a case entered the system (事件来源).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CaseSource")]
pub enum CaseSource {
    /// 110 emergency call (110接报).
    #[graphql(name = "CALL_110")]
    Call110,
    /// Grassroots governance four-platforms system (基层治理四平台).
    #[graphql(name = "FOUR_PLATFORMS")]
    FourPlatforms,
    /// Police-grid integration platform (警网融合平台).
    #[graphql(name = "POLICE_GRID_PLATFORM")]
    PoliceGridPlatform,
    /// Enterprise service platform (涉企服务平台).
    #[graphql(name = "ENTERPRISE_PLATFORM")]
    EnterprisePlatform,
    /// 12345 government service hotline (12345热线).
    #[graphql(name = "HOTLINE_12345")]
    Hotline12345,
    /// Public mini-program (小程序).
    #[graphql(name = "MINI_PROGRAM")]
    MiniProgram,
    /// Scan of a posted report code (扫码上报).
    #[graphql(name = "REPORT_CODE")]
    ReportCode,
    /// Walk-in visit (来访).
    #[graphql(name = "WALK_IN")]
    WalkIn,
    /// Found by a grid worker (网格员上报).
    #[graphql(name = "GRID_WORKER")]
    GridWorker,
    /// Found by a police officer (民警发现).
    #[graphql(name = "OFFICER")]
    Officer,
    /// Enterprise self-service portal (企业端).
    #[graphql(name = "ENTERPRISE_PORTAL")]
    EnterprisePortal,
    /// Another integrated platform (其他对接平台).
    #[graphql(name = "OTHER_PLATFORM")]
    OtherPlatform,
}

/// Role of whoever reported a case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ReporterRole")]
pub enum ReporterRole {
    /// Member of the public (群众).
    #[graphql(name = "CITIZEN")]
    Citizen,
    /// Anonymous reporter (匿名).
    #[graphql(name = "ANONYMOUS")]
    Anonymous,
    /// Grid worker (网格员).
    #[graphql(name = "GRID_WORKER")]
    GridWorker,
    /// Police officer (民警).
    #[graphql(name = "OFFICER")]
    Officer,
    /// Volunteer (志愿者).
    #[graphql(name = "VOLUNTEER")]
    Volunteer,
    /// Enterprise (企业).
    #[graphql(name = "ENTERPRISE")]
    Enterprise,
    /// Another platform forwarding the case.
    #[graphql(name = "PLATFORM")]
    Platform,
    /// Any other reporter.
    #[graphql(name = "OTHER")]
    Other,
}

/// Role of a party involved in a case (当事人角色).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PartyRole")]
pub enum PartyRole {
    /// Complainant or applicant (申请人).
    #[graphql(name = "COMPLAINANT")]
    Complainant,
    /// Respondent (被申请人).
    #[graphql(name = "RESPONDENT")]
    Respondent,
    /// Victim (受害人).
    #[graphql(name = "VICTIM")]
    Victim,
    /// Witness (证人).
    #[graphql(name = "WITNESS")]
    Witness,
    /// Person reported missing (走失人员).
    #[graphql(name = "MISSING_PERSON")]
    MissingPerson,
    /// Any other party.
    #[graphql(name = "OTHER")]
    Other,
}

/// Kind of entry on a case timeline.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TimelineKind")]
pub enum TimelineKind {
    /// The case was reported.
    #[graphql(name = "REPORTED")]
    Reported,
    /// The case was assessed.
    #[graphql(name = "ASSESSED")]
    Assessed,
    /// The case was dispatched to units.
    #[graphql(name = "DISPATCHED")]
    Dispatched,
    /// A unit accepted its assignment.
    #[graphql(name = "ACCEPTED")]
    Accepted,
    /// A unit rejected its assignment.
    #[graphql(name = "REJECTED")]
    Rejected,
    /// An assignment was transferred to another unit.
    #[graphql(name = "TRANSFERRED")]
    Transferred,
    /// A handling step was recorded.
    #[graphql(name = "HANDLING")]
    Handling,
    /// A free-form note was added.
    #[graphql(name = "NOTE")]
    Note,
    /// The case was referred to mediation.
    #[graphql(name = "MEDIATION_REFERRED")]
    MediationReferred,
    /// A mediation session was recorded.
    #[graphql(name = "MEDIATION_SESSION")]
    MediationSession,
    /// Mediation was escalated to a higher level.
    #[graphql(name = "MEDIATION_ESCALATED")]
    MediationEscalated,
    /// Volunteers were assigned.
    #[graphql(name = "VOLUNTEERS_ASSIGNED")]
    VolunteersAssigned,
    /// The case was resolved.
    #[graphql(name = "RESOLVED")]
    Resolved,
    /// The case was marked unresolved.
    #[graphql(name = "UNRESOLVED")]
    Unresolved,
    /// The result was fed back to the reporter.
    #[graphql(name = "FED_BACK")]
    FedBack,
    /// A return visit was recorded.
    #[graphql(name = "FOLLOWED_UP")]
    FollowedUp,
    /// The case was closed.
    #[graphql(name = "CLOSED")]
    Closed,
    /// The case was reopened.
    #[graphql(name = "REOPENED")]
    Reopened,
    /// The case was synchronised with an external platform.
    #[graphql(name = "SYNCED")]
    Synced,
    /// A volunteer moved a task on the case: accepted, declined, checked in or checked out
    /// (the note says which). Not shown on the public tracking page.
    #[graphql(name = "VOLUNTEER_TASK")]
    VolunteerTask,
    /// The case was moved to another grid (out of the triage queue, or a misplaced report).
    #[graphql(name = "PLACED")]
    Placed,
    /// An enterprise case consultation (涉企案件会商) was held and concluded (see `Case.consultations`).
    #[graphql(name = "CONSULTATION")]
    Consultation,
    /// Files (photos, documents) were attached after the report; the note names them and
    /// `Case.attachments` holds them.
    #[graphql(name = "ATTACHED")]
    Attached,
}

/// Status of a unit assignment on a case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AssignmentStatus")]
pub enum AssignmentStatus {
    /// Waiting for the unit to respond (待签收).
    #[graphql(name = "PENDING")]
    Pending,
    /// Accepted by the unit (已签收).
    #[graphql(name = "ACCEPTED")]
    Accepted,
    /// Rejected by the unit (已退回).
    #[graphql(name = "REJECTED")]
    Rejected,
    /// Transferred to another unit (已转办).
    #[graphql(name = "TRANSFERRED")]
    Transferred,
    /// Handling finished by the unit (已办结).
    #[graphql(name = "DONE")]
    Done,
}

/// Registration status of a volunteer.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::VolunteerStatus")]
pub enum VolunteerStatus {
    /// Waiting for approval (待审核).
    #[graphql(name = "PENDING")]
    Pending,
    /// Approved (已审核).
    #[graphql(name = "APPROVED")]
    Approved,
    /// Suspended (已暂停).
    #[graphql(name = "SUSPENDED")]
    Suspended,
}

/// Kind of volunteer team.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::VolunteerTeamKind")]
pub enum VolunteerTeamKind {
    /// Patrol team (巡防队).
    #[graphql(name = "PATROL")]
    Patrol,
    /// Rescue team (救援队).
    #[graphql(name = "RESCUE")]
    Rescue,
    /// Mediation team (调解队).
    #[graphql(name = "MEDIATION")]
    Mediation,
    /// General-purpose team.
    #[graphql(name = "GENERAL")]
    General,
}

/// Role of a volunteer within a team.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::MembershipRole")]
pub enum MembershipRole {
    /// Ordinary member (队员).
    #[graphql(name = "MEMBER")]
    Member,
    /// Team leader (队长).
    #[graphql(name = "LEADER")]
    Leader,
}

/// Skill declared by a volunteer.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Skill")]
pub enum Skill {
    /// Rescue.
    #[graphql(name = "RESCUE")]
    Rescue,
    /// First aid.
    #[graphql(name = "FIRST_AID")]
    FirstAid,
    /// Patrol.
    #[graphql(name = "PATROL")]
    Patrol,
    /// Mediation.
    #[graphql(name = "MEDIATION")]
    Mediation,
    /// Legal knowledge.
    #[graphql(name = "LEGAL")]
    Legal,
    /// Translation or interpreting.
    #[graphql(name = "TRANSLATION")]
    Translation,
    /// Driving.
    #[graphql(name = "DRIVING")]
    Driving,
    /// Swimming.
    #[graphql(name = "SWIMMING")]
    Swimming,
    /// Any other skill.
    #[graphql(name = "OTHER")]
    Other,
}

/// Administrative level of a mediation room or session (调解层级).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::MediationLevel")]
pub enum MediationLevel {
    /// Community or village level (社区).
    #[graphql(name = "COMMUNITY")]
    Community,
    /// Street or township level (街道).
    #[graphql(name = "STREET")]
    Street,
    /// District level (区级).
    #[graphql(name = "DISTRICT")]
    District,
}

/// Kind of mediator (调解员类型).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::MediatorKind")]
pub enum MediatorKind {
    /// Full-time professional mediator (专职调解员).
    #[graphql(name = "PROFESSIONAL")]
    Professional,
    /// Chief mediator (首席调解员).
    #[graphql(name = "CHIEF")]
    Chief,
    /// Retired police officer (退休民警).
    #[graphql(name = "RETIRED_POLICE")]
    RetiredPolice,
    /// Lawyer (律师).
    #[graphql(name = "LAWYER")]
    Lawyer,
    /// People's congress deputy or CPPCC member (代表委员).
    #[graphql(name = "DEPUTY")]
    Deputy,
    /// Foreign national mediator (外籍调解员).
    #[graphql(name = "FOREIGN")]
    Foreign,
    /// Volunteer mediator (志愿调解员).
    #[graphql(name = "VOLUNTEER")]
    Volunteer,
    /// Serving police officer (民警).
    #[graphql(name = "POLICE")]
    Police,
}

/// Outcome of a mediation session.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SessionOutcome")]
pub enum SessionOutcome {
    /// Not yet decided.
    #[graphql(name = "PENDING")]
    Pending,
    /// An agreement was reached (达成协议).
    #[graphql(name = "AGREEMENT")]
    Agreement,
    /// No agreement was reached (未达成协议).
    #[graphql(name = "NO_AGREEMENT")]
    NoAgreement,
    /// Escalated to a higher level.
    #[graphql(name = "ESCALATED")]
    Escalated,
}

/// The outcome `recordMediationOutcome` records: a session ends in agreement or not
/// (escalation is its own step, `escalateMediation`).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordedOutcome {
    /// An agreement was reached (达成协议); give its text.
    #[graphql(name = "AGREEMENT")]
    Agreement,
    /// No agreement was reached (未达成协议).
    #[graphql(name = "NO_AGREEMENT")]
    NoAgreement,
}

impl From<RecordedOutcome> for entity::enums::SessionOutcome {
    fn from(o: RecordedOutcome) -> Self {
        match o {
            RecordedOutcome::Agreement => entity::enums::SessionOutcome::Agreement,
            RecordedOutcome::NoAgreement => entity::enums::SessionOutcome::NoAgreement,
        }
    }
}

/// How a return visit was made (回访方式).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::FollowUpMethod")]
pub enum FollowUpMethod {
    /// By telephone (电话回访).
    #[graphql(name = "PHONE")]
    Phone,
    /// In person (上门回访).
    #[graphql(name = "VISIT")]
    Visit,
    /// Online (线上回访).
    #[graphql(name = "ONLINE")]
    Online,
}

/// Kind of task given to volunteers on a case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::VolunteerTaskKind")]
pub enum VolunteerTaskKind {
    /// Rescue.
    #[graphql(name = "RESCUE")]
    Rescue,
    /// Patrol.
    #[graphql(name = "PATROL")]
    Patrol,
    /// Help with mediation.
    #[graphql(name = "MEDIATION_HELP")]
    MediationHelp,
    /// Any other task.
    #[graphql(name = "OTHER")]
    Other,
}

/// Status of a volunteer task.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::VolunteerTaskStatus")]
pub enum VolunteerTaskStatus {
    /// Assigned and awaiting a response.
    #[graphql(name = "ASSIGNED")]
    Assigned,
    /// Accepted by the volunteer.
    #[graphql(name = "ACCEPTED")]
    Accepted,
    /// Declined by the volunteer.
    #[graphql(name = "DECLINED")]
    Declined,
    /// Volunteer checked in on site.
    #[graphql(name = "CHECKED_IN")]
    CheckedIn,
    /// Volunteer checked out.
    #[graphql(name = "CHECKED_OUT")]
    CheckedOut,
}

/// Kind of external platform exchanging data with the service.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PlatformKind")]
pub enum PlatformKind {
    /// 110 dispatch system (110接处警).
    #[graphql(name = "DISPATCH_110")]
    Dispatch110,
    /// Grassroots governance four-platforms system (基层治理四平台).
    #[graphql(name = "FOUR_PLATFORMS")]
    FourPlatforms,
    /// Police-grid integration platform (警网融合平台).
    #[graphql(name = "POLICE_GRID")]
    PoliceGrid,
    /// Smart enterprise service platform (智慧企业平台).
    #[graphql(name = "SMART_ENTERPRISE")]
    SmartEnterprise,
    /// 12345 government service hotline (12345热线).
    #[graphql(name = "HOTLINE_12345")]
    Hotline12345,
    /// Public mini-program (小程序).
    #[graphql(name = "MINI_PROGRAM")]
    MiniProgram,
    /// Any other platform.
    #[graphql(name = "OTHER")]
    Other,
}

/// Kind of local record linked to an external platform record.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ExternalEntity")]
pub enum ExternalEntity {
    /// A case.
    #[graphql(name = "CASE")]
    Case,
    /// An enterprise.
    #[graphql(name = "ENTERPRISE")]
    Enterprise,
    /// A volunteer.
    #[graphql(name = "VOLUNTEER")]
    Volunteer,
    /// A grid.
    #[graphql(name = "GRID")]
    Grid,
}

/// How a platform's webhooks are signed, in both directions: an HMAC of
/// `{X-Fengqiao-Timestamp}.{body}` under the platform's secret, sent as
/// `X-Fengqiao-Signature: sha256=<hex>` or `sm3=<hex>`.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SignatureAlgorithm")]
pub enum SignatureAlgorithm {
    /// HMAC-SHA256 (the default).
    #[graphql(name = "HMAC_SHA256")]
    HmacSha256,
    /// HMAC-SM3 (GB/T 32905-2016), for platforms that must use the national algorithms under
    /// the commercial-cryptography assessment (密评).
    #[graphql(name = "HMAC_SM3")]
    HmacSm3,
}

/// Which case events a platform receives by webhook.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PlatformSubscription")]
pub enum PlatformSubscription {
    /// Only the closure feedback (fed back, closed) of cases it sent.
    #[graphql(name = "FEEDBACK")]
    Feedback,
    /// Every event of the cases it sent.
    #[graphql(name = "OWN_CASES")]
    OwnCases,
    /// Every event of every case (e.g. the district's four-platforms system).
    #[graphql(name = "ALL_CASES")]
    AllCases,
}

/// Delivery state of an outbox event.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::OutboxStatus")]
pub enum OutboxStatus {
    /// Waiting for its first or next attempt.
    #[graphql(name = "PENDING")]
    Pending,
    /// The platform answered 2xx.
    #[graphql(name = "DELIVERED")]
    Delivered,
    /// Attempts exhausted; waits for an administrator to redeliver.
    #[graphql(name = "DEAD")]
    Dead,
}

/// Decision on a likely duplicate.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::DuplicateStatus")]
pub enum DuplicateStatus {
    /// Waiting for a person to decide.
    #[graphql(name = "PENDING")]
    Pending,
    /// Confirmed: both records are the same event.
    #[graphql(name = "CONFIRMED")]
    Confirmed,
    /// Dismissed: different events.
    #[graphql(name = "DISMISSED")]
    Dismissed,
}

/// Coordinate reference system of a position sent in an input. Chinese map SDKs report
/// shifted coordinates; say which one you send and the service converts it to WGS-84, the
/// only system it stores and answers in.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CoordinateSystem")]
pub enum CoordinateSystem {
    /// WGS-84 (GPS, government GIS in CGCS2000, `wx.getLocation` with its default `type: 'wgs84'`): the default.
    #[graphql(name = "WGS84")]
    Wgs84,
    /// GCJ-02: `wx.getLocation({ type: 'gcj02' })`, `wx.chooseLocation`, Tencent Maps and AMap (高德).
    #[graphql(name = "GCJ02")]
    Gcj02,
    /// BD-09: Baidu Maps (百度地图) and its SDKs.
    #[graphql(name = "BD09")]
    Bd09,
}

/// How a case got its grid (the grid decides which grid workers and police see it).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Placement")]
pub enum Placement {
    /// The reporter named the grid (`gridId`).
    #[graphql(name = "GIVEN")]
    Given,
    /// The grid of the report code (民情码) the report came through.
    #[graphql(name = "REPORT_CODE")]
    ReportCode,
    /// The grid of the enterprise the case concerns.
    #[graphql(name = "ENTERPRISE")]
    Enterprise,
    /// The smallest community grid whose boundary contains the reported position.
    #[graphql(name = "BOUNDARY")]
    Boundary,
    /// The position lies outside every grid boundary, so the case waits in the district's
    /// triage queue (the root community grid): district-wide commanders see it and move it.
    #[graphql(name = "TRIAGE")]
    Triage,
    /// Placed or moved by a person after the report.
    #[graphql(name = "MANUAL")]
    Manual,
}

/// An identity document other than the mainland resident ID card.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::IdDocumentKind")]
pub enum IdDocumentKind {
    /// A passport of any country.
    #[graphql(name = "PASSPORT")]
    Passport,
    /// Permanent residence ID card for foreigners (外国人永久居留身份证).
    #[graphql(name = "FOREIGN_PERMANENT_RESIDENT_ID")]
    ForeignPermanentResidentId,
    /// Mainland travel permit for Hong Kong and Macao residents (回乡证).
    #[graphql(name = "HK_MACAO_TRAVEL_PERMIT")]
    HkMacaoTravelPermit,
    /// Mainland travel permit for Taiwan residents (台胞证).
    #[graphql(name = "TAIWAN_TRAVEL_PERMIT")]
    TaiwanTravelPermit,
    /// Another official identity document.
    #[graphql(name = "OTHER")]
    Other,
}

/// What an enterprise case consultation (涉企案件会商) concluded.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ConsultationConclusion")]
pub enum ConsultationConclusion {
    /// No crime: a civil or commercial matter for the parties (mediation or the courts).
    #[graphql(name = "NO_CRIME_CIVIL_MATTER")]
    NoCrimeCivilMatter,
    /// A criminal case is opened (立案侦查).
    #[graphql(name = "CRIMINAL_CASE_OPENED")]
    CriminalCaseOpened,
    /// An administrative matter for the competent department.
    #[graphql(name = "ADMINISTRATIVE_MATTER")]
    AdministrativeMatter,
    /// To mediation (refer the case with `referCaseToMediation`).
    #[graphql(name = "REFER_TO_MEDIATION")]
    ReferToMediation,
    /// More investigation is needed before a conclusion; a later consultation concludes.
    #[graphql(name = "FURTHER_INVESTIGATION")]
    FurtherInvestigation,
}
