//! Volunteer loaders: skills, languages, honours and memberships.

use entity::{enums::Skill, volunteer_honour, volunteer_membership};

use crate::{children_loader, service::volunteer as svc};

children_loader!(VolunteerSkills, Skill, svc::skills);
children_loader!(VolunteerLanguages, String, svc::languages);
children_loader!(VolunteerHonours, volunteer_honour::Model, svc::honours);
children_loader!(
    VolunteerMemberships,
    volunteer_membership::Model,
    svc::memberships
);
