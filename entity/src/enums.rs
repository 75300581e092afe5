//! Enumerations stored as `VARCHAR(32)` columns; values match the GraphQL enum values.

use sea_orm::entity::prelude::*;

/// Level of a grid in the governance hierarchy (网格层级).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum GridLevel {
    /// District-level grid at the top of the hierarchy (区级).
    #[sea_orm(string_value = "DISTRICT")]
    District,
    /// Area grid within a district (片区).
    #[sea_orm(string_value = "AREA")]
    Area,
    /// Grid group within an area (组团).
    #[sea_orm(string_value = "GROUP")]
    Group,
    /// Cluster grid covering a block of households (微网格).
    #[sea_orm(string_value = "CLUSTER")]
    Cluster,
    /// Ten-household joint-defence unit at the bottom of the hierarchy (十户联防).
    #[sea_orm(string_value = "TEN_HOUSEHOLD")]
    TenHousehold,
}

/// Whether a grid belongs to the community or the police grid system.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum GridKind {
    /// Community governance grid (社区网格).
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
    /// Police beat grid (警格).
    #[sea_orm(string_value = "POLICE")]
    Police,
}

/// Kind of organisational unit that can receive and handle cases (单位类型).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum UnitKind {
    /// Police station (派出所).
    #[sea_orm(string_value = "POLICE_STATION")]
    PoliceStation,
    /// Community police office (警务室).
    #[sea_orm(string_value = "POLICE_OFFICE")]
    PoliceOffice,
    /// Police command centre (指挥中心).
    #[sea_orm(string_value = "COMMAND_CENTRE")]
    CommandCentre,
    /// Social governance centre (社会治理中心).
    #[sea_orm(string_value = "GOVERNANCE_CENTRE")]
    GovernanceCentre,
    /// Comprehensive administrative law enforcement (综合行政执法).
    #[sea_orm(string_value = "LAW_ENFORCEMENT")]
    LawEnforcement,
    /// Market supervision bureau (市场监管).
    #[sea_orm(string_value = "MARKET_SUPERVISION")]
    MarketSupervision,
    /// Judicial office (司法所).
    #[sea_orm(string_value = "JUSTICE")]
    Justice,
    /// Fire and rescue service (消防).
    #[sea_orm(string_value = "FIRE")]
    Fire,
    /// Letters and visits office (信访).
    #[sea_orm(string_value = "PETITIONS")]
    Petitions,
    /// Public utility such as water, power or gas (公用事业).
    #[sea_orm(string_value = "UTILITY")]
    Utility,
    /// Any other government department (其他部门).
    #[sea_orm(string_value = "OTHER_DEPARTMENT")]
    OtherDepartment,
}

/// Kind of staff account (人员类型).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum PersonKind {
    /// Police officer (民警).
    #[sea_orm(string_value = "OFFICER")]
    Officer,
    /// Grid worker (网格员).
    #[sea_orm(string_value = "GRID_WORKER")]
    GridWorker,
    /// Enterprise liaison (企业联络员).
    #[sea_orm(string_value = "ENTERPRISE_LIAISON")]
    EnterpriseLiaison,
    /// Staff member of a government department (部门工作人员).
    #[sea_orm(string_value = "DEPARTMENT_STAFF")]
    DepartmentStaff,
    /// Member of a co-governance force (共治力量).
    #[sea_orm(string_value = "CO_GOVERNANCE_MEMBER")]
    CoGovernanceMember,
    /// Any other kind of staff.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Kind of case handled by the service (事件类型).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CaseKind {
    /// Police incident (警情).
    #[sea_orm(string_value = "POLICE_INCIDENT")]
    PoliceIncident,
    /// Non-police incident diverted from the police line (非警务警情).
    #[sea_orm(string_value = "NON_POLICE_INCIDENT")]
    NonPoliceIncident,
    /// Dispute to be mediated (矛盾纠纷).
    #[sea_orm(string_value = "DISPUTE")]
    Dispute,
    /// Safety hazard (安全隐患).
    #[sea_orm(string_value = "SAFETY_HAZARD")]
    SafetyHazard,
    /// Request for help (群众求助).
    #[sea_orm(string_value = "HELP_REQUEST")]
    HelpRequest,
    /// Matter raised by or concerning an enterprise (涉企事项).
    #[sea_orm(string_value = "ENTERPRISE_CASE")]
    EnterpriseCase,
}

/// Subject-matter category of a case (事件类别).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CaseCategory {
    /// Neighbour dispute (邻里纠纷).
    #[sea_orm(string_value = "NEIGHBOUR")]
    Neighbour,
    /// Marriage or family dispute (婚姻家庭纠纷).
    #[sea_orm(string_value = "FAMILY")]
    Family,
    /// Labour dispute (劳动纠纷).
    #[sea_orm(string_value = "LABOUR")]
    Labour,
    /// Property-management dispute (物业纠纷).
    #[sea_orm(string_value = "PROPERTY")]
    Property,
    /// Consumer dispute (消费纠纷).
    #[sea_orm(string_value = "CONSUMER")]
    Consumer,
    /// Commercial or contract dispute (经济纠纷).
    #[sea_orm(string_value = "COMMERCIAL")]
    Commercial,
    /// Noise nuisance (噪声扰民).
    #[sea_orm(string_value = "NOISE")]
    Noise,
    /// Missing person (人员走失).
    #[sea_orm(string_value = "MISSING_PERSON")]
    MissingPerson,
    /// Lost property (物品遗失).
    #[sea_orm(string_value = "LOST_PROPERTY")]
    LostProperty,
    /// Theft (盗窃).
    #[sea_orm(string_value = "THEFT")]
    Theft,
    /// Fraud (诈骗).
    #[sea_orm(string_value = "FRAUD")]
    Fraud,
    /// Gas safety (燃气安全).
    #[sea_orm(string_value = "GAS")]
    Gas,
    /// Fire risk (消防隐患).
    #[sea_orm(string_value = "FIRE_RISK")]
    FireRisk,
    /// Traffic matter (交通).
    #[sea_orm(string_value = "TRAFFIC")]
    Traffic,
    /// Any other category.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Lifecycle status of a case (事件状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CaseStatus {
    /// Reported and awaiting assessment (已上报).
    #[sea_orm(string_value = "REPORTED")]
    Reported,
    /// Assessed and graded (已研判).
    #[sea_orm(string_value = "ASSESSED")]
    Assessed,
    /// Dispatched to one or more units (已分派).
    #[sea_orm(string_value = "DISPATCHED")]
    Dispatched,
    /// Being handled by the assigned units (处置中).
    #[sea_orm(string_value = "IN_HANDLING")]
    InHandling,
    /// Under mediation (调解中).
    #[sea_orm(string_value = "MEDIATING")]
    Mediating,
    /// Resolved (已化解).
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    /// Handling finished without resolution (未化解).
    #[sea_orm(string_value = "UNRESOLVED")]
    Unresolved,
    /// Result fed back to the reporter (已反馈).
    #[sea_orm(string_value = "FED_BACK")]
    FedBack,
    /// Return visit completed (已回访).
    #[sea_orm(string_value = "FOLLOWED_UP")]
    FollowedUp,
    /// Closed (已办结).
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// Colour-coded risk grade of a case (风险等级).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum RiskColour {
    /// Red, the highest risk (红色).
    #[sea_orm(string_value = "RED")]
    Red,
    /// Orange, high risk (橙色).
    #[sea_orm(string_value = "ORANGE")]
    Orange,
    /// Yellow, moderate risk (黄色).
    #[sea_orm(string_value = "YELLOW")]
    Yellow,
    /// Green, low risk (绿色).
    #[sea_orm(string_value = "GREEN")]
    Green,
}

/// Severity grade of a case (事件等级).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Severity {
    /// Ordinary (一般).
    #[sea_orm(string_value = "ORDINARY")]
    Ordinary,
    /// Larger (较大).
    #[sea_orm(string_value = "LARGER")]
    Larger,
    /// Major (重大).
    #[sea_orm(string_value = "MAJOR")]
    Major,
}

/// Channel through which a case entered the system (事件来源).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CaseSource {
    /// 110 emergency call (110接报).
    #[sea_orm(string_value = "CALL_110")]
    Call110,
    /// Grassroots governance four-platforms system (基层治理四平台).
    #[sea_orm(string_value = "FOUR_PLATFORMS")]
    FourPlatforms,
    /// Police-grid integration platform (警网融合平台).
    #[sea_orm(string_value = "POLICE_GRID_PLATFORM")]
    PoliceGridPlatform,
    /// Enterprise service platform (涉企服务平台).
    #[sea_orm(string_value = "ENTERPRISE_PLATFORM")]
    EnterprisePlatform,
    /// 12345 government service hotline (12345热线).
    #[sea_orm(string_value = "HOTLINE_12345")]
    Hotline12345,
    /// Public mini-program (小程序).
    #[sea_orm(string_value = "MINI_PROGRAM")]
    MiniProgram,
    /// Scan of a posted report code (扫码上报).
    #[sea_orm(string_value = "REPORT_CODE")]
    ReportCode,
    /// Walk-in visit (来访).
    #[sea_orm(string_value = "WALK_IN")]
    WalkIn,
    /// Found by a grid worker (网格员上报).
    #[sea_orm(string_value = "GRID_WORKER")]
    GridWorker,
    /// Found by a police officer (民警发现).
    #[sea_orm(string_value = "OFFICER")]
    Officer,
    /// Enterprise self-service portal (企业端).
    #[sea_orm(string_value = "ENTERPRISE_PORTAL")]
    EnterprisePortal,
    /// Another integrated platform (其他对接平台).
    #[sea_orm(string_value = "OTHER_PLATFORM")]
    OtherPlatform,
}

/// Role of whoever reported a case.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ReporterRole {
    /// Member of the public (群众).
    #[sea_orm(string_value = "CITIZEN")]
    Citizen,
    /// Anonymous reporter (匿名).
    #[sea_orm(string_value = "ANONYMOUS")]
    Anonymous,
    /// Grid worker (网格员).
    #[sea_orm(string_value = "GRID_WORKER")]
    GridWorker,
    /// Police officer (民警).
    #[sea_orm(string_value = "OFFICER")]
    Officer,
    /// Volunteer (志愿者).
    #[sea_orm(string_value = "VOLUNTEER")]
    Volunteer,
    /// Enterprise (企业).
    #[sea_orm(string_value = "ENTERPRISE")]
    Enterprise,
    /// Another platform forwarding the case.
    #[sea_orm(string_value = "PLATFORM")]
    Platform,
    /// Any other reporter.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Role of a party involved in a case (当事人角色).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum PartyRole {
    /// Complainant or applicant (申请人).
    #[sea_orm(string_value = "COMPLAINANT")]
    Complainant,
    /// Respondent (被申请人).
    #[sea_orm(string_value = "RESPONDENT")]
    Respondent,
    /// Victim (受害人).
    #[sea_orm(string_value = "VICTIM")]
    Victim,
    /// Witness (证人).
    #[sea_orm(string_value = "WITNESS")]
    Witness,
    /// Person reported missing (走失人员).
    #[sea_orm(string_value = "MISSING_PERSON")]
    MissingPerson,
    /// Any other party.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Kind of entry on a case timeline.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TimelineKind {
    /// The case was reported.
    #[sea_orm(string_value = "REPORTED")]
    Reported,
    /// The case was assessed.
    #[sea_orm(string_value = "ASSESSED")]
    Assessed,
    /// The case was dispatched to units.
    #[sea_orm(string_value = "DISPATCHED")]
    Dispatched,
    /// A unit accepted its assignment.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// A unit rejected its assignment.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// An assignment was transferred to another unit.
    #[sea_orm(string_value = "TRANSFERRED")]
    Transferred,
    /// A handling step was recorded.
    #[sea_orm(string_value = "HANDLING")]
    Handling,
    /// A free-form note was added.
    #[sea_orm(string_value = "NOTE")]
    Note,
    /// The case was referred to mediation.
    #[sea_orm(string_value = "MEDIATION_REFERRED")]
    MediationReferred,
    /// A mediation session was recorded.
    #[sea_orm(string_value = "MEDIATION_SESSION")]
    MediationSession,
    /// Mediation was escalated to a higher level.
    #[sea_orm(string_value = "MEDIATION_ESCALATED")]
    MediationEscalated,
    /// Volunteers were assigned.
    #[sea_orm(string_value = "VOLUNTEERS_ASSIGNED")]
    VolunteersAssigned,
    /// The case was resolved.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    /// The case was marked unresolved.
    #[sea_orm(string_value = "UNRESOLVED")]
    Unresolved,
    /// The result was fed back to the reporter.
    #[sea_orm(string_value = "FED_BACK")]
    FedBack,
    /// A return visit was recorded.
    #[sea_orm(string_value = "FOLLOWED_UP")]
    FollowedUp,
    /// The case was closed.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// The case was reopened.
    #[sea_orm(string_value = "REOPENED")]
    Reopened,
    /// The case was synchronised with an external platform.
    #[sea_orm(string_value = "SYNCED")]
    Synced,
    /// A volunteer moved a task on the case (accepted, declined, checked in or out).
    #[sea_orm(string_value = "VOLUNTEER_TASK")]
    VolunteerTask,
    /// The case was moved to another grid (out of the triage queue, or a misplaced report).
    #[sea_orm(string_value = "PLACED")]
    Placed,
    /// An enterprise case consultation (涉企案件会商) was held and concluded.
    #[sea_orm(string_value = "CONSULTATION")]
    Consultation,
    /// Files (photos, documents) were attached to the case.
    #[sea_orm(string_value = "ATTACHED")]
    Attached,
}

/// Status of a unit assignment on a case.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum AssignmentStatus {
    /// Waiting for the unit to respond (待签收).
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Accepted by the unit (已签收).
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// Rejected by the unit (已退回).
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// Transferred to another unit (已转办).
    #[sea_orm(string_value = "TRANSFERRED")]
    Transferred,
    /// Handling finished by the unit (已办结).
    #[sea_orm(string_value = "DONE")]
    Done,
}

/// Registration status of a volunteer.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum VolunteerStatus {
    /// Waiting for approval (待审核).
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Approved (已审核).
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// Suspended (已暂停).
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
}

/// Kind of volunteer team.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum VolunteerTeamKind {
    /// Patrol team (巡防队).
    #[sea_orm(string_value = "PATROL")]
    Patrol,
    /// Rescue team (救援队).
    #[sea_orm(string_value = "RESCUE")]
    Rescue,
    /// Mediation team (调解队).
    #[sea_orm(string_value = "MEDIATION")]
    Mediation,
    /// General-purpose team.
    #[sea_orm(string_value = "GENERAL")]
    General,
}

/// Role of a volunteer within a team.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum MembershipRole {
    /// Ordinary member (队员).
    #[sea_orm(string_value = "MEMBER")]
    Member,
    /// Team leader (队长).
    #[sea_orm(string_value = "LEADER")]
    Leader,
}

/// Skill declared by a volunteer.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Skill {
    /// Rescue.
    #[sea_orm(string_value = "RESCUE")]
    Rescue,
    /// First aid.
    #[sea_orm(string_value = "FIRST_AID")]
    FirstAid,
    /// Patrol.
    #[sea_orm(string_value = "PATROL")]
    Patrol,
    /// Mediation.
    #[sea_orm(string_value = "MEDIATION")]
    Mediation,
    /// Legal knowledge.
    #[sea_orm(string_value = "LEGAL")]
    Legal,
    /// Translation or interpreting.
    #[sea_orm(string_value = "TRANSLATION")]
    Translation,
    /// Driving.
    #[sea_orm(string_value = "DRIVING")]
    Driving,
    /// Swimming.
    #[sea_orm(string_value = "SWIMMING")]
    Swimming,
    /// Any other skill.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Administrative level of a mediation room or session (调解层级).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum MediationLevel {
    /// Community or village level (社区).
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
    /// Street or township level (街道).
    #[sea_orm(string_value = "STREET")]
    Street,
    /// District level (区级).
    #[sea_orm(string_value = "DISTRICT")]
    District,
}

/// Kind of mediator (调解员类型).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum MediatorKind {
    /// Full-time professional mediator (专职调解员).
    #[sea_orm(string_value = "PROFESSIONAL")]
    Professional,
    /// Chief mediator (首席调解员).
    #[sea_orm(string_value = "CHIEF")]
    Chief,
    /// Retired police officer (退休民警).
    #[sea_orm(string_value = "RETIRED_POLICE")]
    RetiredPolice,
    /// Lawyer (律师).
    #[sea_orm(string_value = "LAWYER")]
    Lawyer,
    /// People's congress deputy or CPPCC member (代表委员).
    #[sea_orm(string_value = "DEPUTY")]
    Deputy,
    /// Foreign national mediator (外籍调解员).
    #[sea_orm(string_value = "FOREIGN")]
    Foreign,
    /// Volunteer mediator (志愿调解员).
    #[sea_orm(string_value = "VOLUNTEER")]
    Volunteer,
    /// Serving police officer (民警).
    #[sea_orm(string_value = "POLICE")]
    Police,
}

/// Outcome of a mediation session.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum SessionOutcome {
    /// Not yet decided.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// An agreement was reached (达成协议).
    #[sea_orm(string_value = "AGREEMENT")]
    Agreement,
    /// No agreement was reached (未达成协议).
    #[sea_orm(string_value = "NO_AGREEMENT")]
    NoAgreement,
    /// Escalated to a higher level.
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
}

/// How a return visit was made (回访方式).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum FollowUpMethod {
    /// By telephone (电话回访).
    #[sea_orm(string_value = "PHONE")]
    Phone,
    /// In person (上门回访).
    #[sea_orm(string_value = "VISIT")]
    Visit,
    /// Online (线上回访).
    #[sea_orm(string_value = "ONLINE")]
    Online,
}

/// Kind of task given to volunteers on a case.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum VolunteerTaskKind {
    /// Rescue.
    #[sea_orm(string_value = "RESCUE")]
    Rescue,
    /// Patrol.
    #[sea_orm(string_value = "PATROL")]
    Patrol,
    /// Help with mediation.
    #[sea_orm(string_value = "MEDIATION_HELP")]
    MediationHelp,
    /// Any other task.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Status of a volunteer task.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum VolunteerTaskStatus {
    /// Assigned and awaiting a response.
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    /// Accepted by the volunteer.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// Declined by the volunteer.
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// Volunteer checked in on site.
    #[sea_orm(string_value = "CHECKED_IN")]
    CheckedIn,
    /// Volunteer checked out.
    #[sea_orm(string_value = "CHECKED_OUT")]
    CheckedOut,
}

/// Kind of external platform exchanging data with the service.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum PlatformKind {
    /// 110 dispatch system (110接处警).
    #[sea_orm(string_value = "DISPATCH_110")]
    Dispatch110,
    /// Grassroots governance four-platforms system (基层治理四平台).
    #[sea_orm(string_value = "FOUR_PLATFORMS")]
    FourPlatforms,
    /// Police-grid integration platform (警网融合平台).
    #[sea_orm(string_value = "POLICE_GRID")]
    PoliceGrid,
    /// Smart enterprise service platform (智慧企业平台).
    #[sea_orm(string_value = "SMART_ENTERPRISE")]
    SmartEnterprise,
    /// 12345 government service hotline (12345热线).
    #[sea_orm(string_value = "HOTLINE_12345")]
    Hotline12345,
    /// Public mini-program (小程序).
    #[sea_orm(string_value = "MINI_PROGRAM")]
    MiniProgram,
    /// Any other platform.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Kind of local record linked to an external platform record.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ExternalEntity {
    /// A case.
    #[sea_orm(string_value = "CASE")]
    Case,
    /// An enterprise.
    #[sea_orm(string_value = "ENTERPRISE")]
    Enterprise,
    /// A volunteer.
    #[sea_orm(string_value = "VOLUNTEER")]
    Volunteer,
    /// A grid.
    #[sea_orm(string_value = "GRID")]
    Grid,
}

/// How a platform's webhooks are signed, both ways: HMAC over `{timestamp}.{body}` with the
/// platform's secret.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SignatureAlgorithm {
    /// HMAC-SHA256 (header `sha256=<hex>`).
    #[default]
    #[sea_orm(string_value = "HMAC_SHA256")]
    HmacSha256,
    /// HMAC-SM3, the national standard hash GB/T 32905-2016 (header `sm3=<hex>`).
    #[sea_orm(string_value = "HMAC_SM3")]
    HmacSm3,
}

/// Which case events a platform receives by webhook.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PlatformSubscription {
    /// Only the closure feedback (fed back, closed) of cases it sent.
    #[sea_orm(string_value = "FEEDBACK")]
    Feedback,
    /// Every event of the cases it sent.
    #[sea_orm(string_value = "OWN_CASES")]
    OwnCases,
    /// Every event of every case (e.g. the district's four-platforms system).
    #[sea_orm(string_value = "ALL_CASES")]
    AllCases,
}

/// Delivery state of an outbox event.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OutboxStatus {
    /// Waiting for its first or next attempt.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The platform answered 2xx.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Attempts exhausted; waits for an administrator to redeliver.
    #[sea_orm(string_value = "DEAD")]
    Dead,
}

/// Decision on a likely duplicate.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DuplicateStatus {
    /// Waiting for a person to decide.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Confirmed: both records are the same event.
    #[sea_orm(string_value = "CONFIRMED")]
    Confirmed,
    /// Dismissed: different events.
    #[sea_orm(string_value = "DISMISSED")]
    Dismissed,
}

/// Coordinate reference system of a reported position. The service stores WGS-84.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CoordinateSystem {
    /// WGS-84 (GPS, and CGCS2000 to well under a metre): what is stored.
    #[default]
    #[sea_orm(string_value = "WGS84")]
    Wgs84,
    /// GCJ-02, the shifted system of WeChat `wx.getLocation({type: 'gcj02'})`, Tencent and AMap.
    #[sea_orm(string_value = "GCJ02")]
    Gcj02,
    /// BD-09, Baidu Maps' system (GCJ-02 shifted again).
    #[sea_orm(string_value = "BD09")]
    Bd09,
}

/// How a case got its grid.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Placement {
    /// The reporter named the grid.
    #[sea_orm(string_value = "GIVEN")]
    Given,
    /// The grid of the report code (民情码) it came through.
    #[sea_orm(string_value = "REPORT_CODE")]
    ReportCode,
    /// The grid of the enterprise it concerns.
    #[sea_orm(string_value = "ENTERPRISE")]
    Enterprise,
    /// The smallest community grid whose boundary contains the reported position.
    #[sea_orm(string_value = "BOUNDARY")]
    Boundary,
    /// The position lies outside every grid boundary: the district's triage queue (its root
    /// community grid), which district-wide commanders see and place by hand.
    #[sea_orm(string_value = "TRIAGE")]
    Triage,
    /// Placed or moved by a person after the report.
    #[sea_orm(string_value = "MANUAL")]
    Manual,
}

/// An identity document other than the mainland resident ID card.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum IdDocumentKind {
    /// A passport of any country.
    #[sea_orm(string_value = "PASSPORT")]
    Passport,
    /// Permanent residence ID card for foreigners (外国人永久居留身份证).
    #[sea_orm(string_value = "FOREIGN_PERMANENT_RESIDENT_ID")]
    ForeignPermanentResidentId,
    /// Mainland travel permit for Hong Kong and Macao residents (回乡证).
    #[sea_orm(string_value = "HK_MACAO_TRAVEL_PERMIT")]
    HkMacaoTravelPermit,
    /// Mainland travel permit for Taiwan residents (台胞证).
    #[sea_orm(string_value = "TAIWAN_TRAVEL_PERMIT")]
    TaiwanTravelPermit,
    /// Another official identity document.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// What an enterprise case consultation concluded.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ConsultationConclusion {
    /// No crime: a civil or commercial matter for the parties (and mediation or the courts).
    #[sea_orm(string_value = "NO_CRIME_CIVIL_MATTER")]
    NoCrimeCivilMatter,
    /// A criminal case is opened (立案侦查).
    #[sea_orm(string_value = "CRIMINAL_CASE_OPENED")]
    CriminalCaseOpened,
    /// An administrative matter for the competent department.
    #[sea_orm(string_value = "ADMINISTRATIVE_MATTER")]
    AdministrativeMatter,
    /// To mediation.
    #[sea_orm(string_value = "REFER_TO_MEDIATION")]
    ReferToMediation,
    /// More investigation before a conclusion.
    #[sea_orm(string_value = "FURTHER_INVESTIGATION")]
    FurtherInvestigation,
}
