//! sea-orm entities of the fengqiao data model.

pub mod api_client;
pub mod audit_event;
pub mod case;
pub mod case_assignment;
pub mod case_attachment;
pub mod case_party;
pub mod case_timeline_entry;
pub mod case_volunteer_task;
pub mod deadline_policy;
pub mod enterprise;
pub mod enterprise_contact;
pub mod enums;
pub mod external_ref;
pub mod follow_up;
pub mod grid;
pub mod idempotency_key;
pub mod mediation_room;
pub mod mediation_session;
pub mod mediator;
pub mod mediator_language;
pub mod persisted_operation;
pub mod person;
pub mod platform;
pub mod police_grid_coverage;
pub mod report_code;
pub mod session_mediator;
pub mod tracking_counter;
pub mod unit;
pub mod volunteer;
pub mod volunteer_honour;
pub mod volunteer_language;
pub mod volunteer_membership;
pub mod volunteer_skill;
pub mod volunteer_team;

/// Entity types under short names, e.g. `Grid` for `grid::Entity`.
pub mod prelude {
    pub use crate::case::Entity as Case;
    pub use crate::case_assignment::Entity as CaseAssignment;
    pub use crate::case_attachment::Entity as CaseAttachment;
    pub use crate::case_party::Entity as CaseParty;
    pub use crate::case_timeline_entry::Entity as CaseTimelineEntry;
    pub use crate::case_volunteer_task::Entity as CaseVolunteerTask;
    pub use crate::enterprise::Entity as Enterprise;
    pub use crate::enterprise_contact::Entity as EnterpriseContact;
    pub use crate::external_ref::Entity as ExternalRef;
    pub use crate::follow_up::Entity as FollowUp;
    pub use crate::grid::Entity as Grid;
    pub use crate::mediation_room::Entity as MediationRoom;
    pub use crate::mediation_session::Entity as MediationSession;
    pub use crate::mediator::Entity as Mediator;
    pub use crate::mediator_language::Entity as MediatorLanguage;
    pub use crate::person::Entity as Person;
    pub use crate::platform::Entity as Platform;
    pub use crate::police_grid_coverage::Entity as PoliceGridCoverage;
    pub use crate::report_code::Entity as ReportCode;
    pub use crate::session_mediator::Entity as SessionMediator;
    pub use crate::tracking_counter::Entity as TrackingCounter;
    pub use crate::unit::Entity as Unit;
    pub use crate::volunteer::Entity as Volunteer;
    pub use crate::volunteer_honour::Entity as VolunteerHonour;
    pub use crate::volunteer_language::Entity as VolunteerLanguage;
    pub use crate::volunteer_membership::Entity as VolunteerMembership;
    pub use crate::volunteer_skill::Entity as VolunteerSkill;
    pub use crate::volunteer_team::Entity as VolunteerTeam;
}
