//! Loaders for a case's children; each reads through the case scope.

use entity::{
    case_assignment, case_attachment, case_party, case_timeline_entry, case_volunteer_task, follow_up,
    mediation_session, mediator,
};

use crate::{children_loader, service::case as svc};

children_loader!(CaseTimeline, case_timeline_entry::Model, svc::timelines);
children_loader!(CaseAssignments, case_assignment::Model, svc::assignments);
children_loader!(CaseParties, case_party::Model, svc::parties);
children_loader!(CaseAttachments, case_attachment::Model, svc::attachments);
children_loader!(CaseSessions, mediation_session::Model, svc::sessions);
children_loader!(CaseFollowUps, follow_up::Model, svc::follow_ups);
children_loader!(
    CaseConsultations,
    entity::case_consultation::Model,
    svc::consultations
);
children_loader!(
    CaseVolunteerTasks,
    case_volunteer_task::Model,
    svc::volunteer_tasks
);
children_loader!(SessionMediators, mediator::Model, svc::session_mediators);
