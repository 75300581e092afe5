//! A two-sided world for scope tests: everything on side A has a twin on side B, so a
//! persona scoped to A must see the A row and never the B row.

use chrono::Utc;
use entity::{
    case, case_assignment, case_volunteer_task, enums::*, external_ref, follow_up, mediation_session,
    platform, session_mediator,
};
use fengqiao_api::{
    auth::{Actor, Role, Scope},
    service::{
        self, case::NewReport, enterprise::NewEnterprise, grid::NewGrid, mediation_room::NewRoom,
        mediator::NewMediator, unit::NewUnit, volunteer::NewVolunteer, volunteer_team::NewTeam,
    },
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use uuid::Uuid;

/// Ids of one side of the world.
#[derive(Clone, Debug)]
pub struct Side {
    pub district: Uuid,
    pub street: Uuid,
    pub community: Uuid,
    pub police_root: Uuid,
    pub police_grid: Uuid,
    pub unit: Uuid,
    pub room: Uuid,
    pub mediator: Uuid,
    pub team: Uuid,
    pub volunteer: Uuid,
    pub volunteer_subject: String,
    pub enterprise: Uuid,
    pub platform: Uuid,
    pub case: Uuid,
    pub tracking_number: String,
    pub citizen: String,
}

/// Both sides.
pub struct World {
    pub a: Side,
    pub b: Side,
}

/// A valid unified social credit code built from a 17-character body.
pub fn credit_code(body: &str) -> String {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| ALPHABET.find(c).expect("alphabet") as u32 * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    format!("{body}{}", ALPHABET.chars().nth(check as usize).expect("check"))
}

/// A valid resident ID number built from a 17-digit body.
pub fn resident_id(body: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).expect("digit") * w)
        .sum();
    format!(
        "{body}{}",
        "10X98765432".chars().nth((sum % 11) as usize).expect("check")
    )
}

async fn side(db: &DatabaseConnection, tag: &str, n: u8) -> Side {
    let sys = Actor::system();
    let g = |code: &str, name: &str, level, kind, parent| NewGrid {
        code: format!("{tag}-{code}"),
        name: format!("{name}{tag}"),
        level,
        kind,
        parent_id: parent,
    };
    let district = service::grid::create(
        db,
        &sys,
        g("D", "区", GridLevel::District, GridKind::Community, None),
    )
    .await
    .expect("district");
    let street = service::grid::create(
        db,
        &sys,
        g(
            "S",
            "街道",
            GridLevel::Area,
            GridKind::Community,
            Some(district.id),
        ),
    )
    .await
    .expect("street");
    let community = service::grid::create(
        db,
        &sys,
        g(
            "C",
            "社区",
            GridLevel::Group,
            GridKind::Community,
            Some(street.id),
        ),
    )
    .await
    .expect("community");
    let police_root = service::grid::create(
        db,
        &sys,
        g("PD", "警区", GridLevel::District, GridKind::Police, None),
    )
    .await
    .expect("police root");
    let police_grid = service::grid::create(
        db,
        &sys,
        g(
            "P",
            "警格",
            GridLevel::Area,
            GridKind::Police,
            Some(police_root.id),
        ),
    )
    .await
    .expect("police grid");
    service::grid::set_coverage(db, &sys, police_grid.id, &[community.id])
        .await
        .expect("coverage");
    let unit = service::unit::create(
        db,
        &sys,
        NewUnit {
            code: format!("{tag}-MS"),
            name: format!("市场监管所{tag}"),
            kind: UnitKind::MarketSupervision,
            parent_id: None,
            grid_id: Some(district.id),
            phone: Some("0571-87000000".into()),
            address: None,
        },
    )
    .await
    .expect("unit");
    let room = service::mediation_room::create(
        db,
        &sys,
        NewRoom {
            name: format!("调解室{tag}"),
            level: MediationLevel::Community,
            grid_id: Some(community.id),
            unit_id: None,
            address: None,
            phone: None,
            description: None,
        },
    )
    .await
    .expect("room");
    let mediator = service::mediator::create(
        db,
        &sys,
        NewMediator {
            room_id: room.id,
            name: format!("调解员{tag}"),
            kind: MediatorKind::Professional,
            phone: Some(format!("1390000000{n}")),
            nationality: Some("CN".into()),
            languages: vec!["zh".into()],
            subject: Some(format!("mediator-{tag}")),
        },
    )
    .await
    .expect("mediator");
    let team = service::volunteer_team::create(
        db,
        &sys,
        NewTeam {
            name: format!("义警队{tag}"),
            brand: None,
            kind: VolunteerTeamKind::Rescue,
            alliance: None,
            grid_id: Some(community.id),
            unit_id: None,
        },
    )
    .await
    .expect("team");
    let volunteer_subject = format!("volunteer-{tag}");
    let volunteer = service::volunteer::create(
        db,
        &sys,
        NewVolunteer {
            name: format!("志愿者{tag}"),
            phone: format!("1370000000{n}"),
            resident_id: Some(resident_id(&format!("3301061990010100{n}"))),
            team_ids: vec![team.id],
            skills: vec![Skill::Rescue],
            languages: vec!["zh".into()],
            subject: Some(volunteer_subject.clone()),
        },
    )
    .await
    .expect("volunteer");
    let enterprise = service::enterprise::create(
        db,
        &sys,
        NewEnterprise {
            credit_code: credit_code(&format!("91330100MA2H0000{n}")),
            name: format!("企业{tag}"),
            industry: Some("制造业".into()),
            above_designated_size: true,
            hazardous_chemicals: false,
            address: None,
            grid_id: Some(community.id),
            liaison_officer_id: None,
            contacts: vec![],
        },
    )
    .await
    .expect("enterprise");
    let now = Utc::now();
    let platform = platform::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(format!("{tag}-110")),
        name: Set(format!("110平台{tag}")),
        kind: Set(PlatformKind::Dispatch110),
        enabled: Set(true),
        webhook_url: Set(None),
        secret: Set(format!("secret-of-{tag}-110")),
        status_map: Set("{}".into()),
        subscription: Set(PlatformSubscription::OwnCases),
        authority: Set(service::platform::DEFAULT_AUTHORITY.to_owned()),
        signature_algorithm: Set(Default::default()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("platform");
    let citizen = format!("citizen-{tag}");
    let citizen_actor = Actor::new(Role::Citizen, Some(citizen.clone()), Scope::default());
    let reported = service::case::report(
        &service::journal::Store::local(db.clone()),
        &citizen_actor,
        NewReport {
            title: format!("案件{tag}"),
            description: "邻里漏水纠纷".into(),
            grid_id: Some(community.id),
            // A citizen cannot read the enterprise: they name it by its public credit code.
            enterprise_credit_code: Some(enterprise.credit_code.clone()),
            ..Default::default()
        },
    )
    .await
    .expect("case");
    let mut c: case::ActiveModel = reported.clone().into();
    c.room_id = Set(Some(room.id));
    c.update(db).await.expect("refer to room");
    case_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(reported.id),
        unit_id: Set(unit.id),
        lead: Set(true),
        status: Set(AssignmentStatus::Accepted),
        reason: Set(None),
        assigned_by: Set(None),
        assigned_at: Set(now),
        responded_at: Set(Some(now)),
    }
    .insert(db)
    .await
    .expect("assignment");
    case_volunteer_task::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(reported.id),
        team_id: Set(Some(team.id)),
        volunteer_id: Set(Some(volunteer.id)),
        kind: Set(VolunteerTaskKind::Rescue),
        status: Set(VolunteerTaskStatus::CheckedOut),
        checked_in_at: Set(Some(now)),
        checked_out_at: Set(Some(now)),
        check_in_latitude: Set(None),
        check_in_longitude: Set(None),
        minutes: Set(Some(30)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("task");
    for (entity, id) in [
        (ExternalEntity::Case, reported.id),
        (ExternalEntity::Enterprise, enterprise.id),
        (ExternalEntity::Volunteer, volunteer.id),
    ] {
        external_ref::ActiveModel {
            id: Set(Uuid::now_v7()),
            platform_id: Set(platform.id),
            entity: Set(entity),
            entity_id: Set(id),
            external_id: Set(format!("{tag}-{id}")),
            external_version: Set(Some(1)),
            external_status: Set(None),
            last_synced_at: Set(now),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .expect("external ref");
    }
    add_session_and_follow_up(db, reported.id, room.id, mediator.id).await;
    Side {
        district: district.id,
        street: street.id,
        community: community.id,
        police_root: police_root.id,
        police_grid: police_grid.id,
        unit: unit.id,
        room: room.id,
        mediator: mediator.id,
        team: team.id,
        volunteer: volunteer.id,
        volunteer_subject,
        enterprise: enterprise.id,
        platform: platform.id,
        case: reported.id,
        tracking_number: reported.tracking_number,
        citizen,
    }
}

/// Gives a case one mediation session (with a mediator) and one follow-up.
pub async fn add_session_and_follow_up(db: &DatabaseConnection, case_id: Uuid, room: Uuid, mediator: Uuid) {
    let now = Utc::now();
    let s = mediation_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        room_id: Set(room),
        level: Set(MediationLevel::Community),
        scheduled_at: Set(now),
        held_at: Set(Some(now)),
        outcome: Set(SessionOutcome::Agreement),
        agreement_text: Set(Some("双方同意".into())),
        judicial_confirmed: Set(false),
        notes: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("session");
    session_mediator::ActiveModel {
        session_id: Set(s.id),
        mediator_id: Set(mediator),
    }
    .insert(db)
    .await
    .expect("session mediator");
    follow_up::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        method: Set(FollowUpMethod::Phone),
        visited_at: Set(now),
        visitor_subject: Set(None),
        repeat_case_id: Set(None),
        response_speed_rating: Set(5),
        attitude_rating: Set(5),
        handling_rating: Set(4),
        satisfied: Set(true),
        comment: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .expect("follow-up");
}

/// Builds both sides.
pub async fn world(db: &DatabaseConnection) -> World {
    World {
        a: side(db, "A", 1).await,
        b: side(db, "B", 2).await,
    }
}

/// The persona of `role` scoped to side `s`, with its subject.
pub fn persona(role: Role, s: &Side) -> (String, Scope) {
    let mut scope = Scope::default();
    let subject = match role {
        // Both of the side's trees: its community district and its police district.
        Role::Commander | Role::Admin => {
            scope.grids = vec![s.district, s.police_root];
            format!("{}-{}", role.as_str(), s.district)
        }
        Role::GridWorker => {
            scope.grids = vec![s.community];
            format!("grid-worker-{}", s.community)
        }
        Role::CommunityPolice => {
            scope.grids = vec![s.police_grid];
            format!("police-{}", s.police_grid)
        }
        Role::Mediator => {
            scope.room = Some(s.room);
            scope.person = Some(s.mediator);
            format!("mediator-{}", s.mediator)
        }
        Role::Volunteer => {
            scope.team = Some(s.team);
            scope.person = Some(s.volunteer);
            s.volunteer_subject.clone()
        }
        Role::EnterpriseLiaison => {
            scope.enterprise = Some(s.enterprise);
            format!("liaison-{}", s.enterprise)
        }
        Role::DepartmentStaff => {
            scope.unit = Some(s.unit);
            format!("staff-{}", s.unit)
        }
        Role::Platform => {
            scope.platform = Some(s.platform);
            format!("platform-{}", s.platform)
        }
        Role::Citizen => s.citizen.clone(),
        Role::Anonymous => String::new(),
    };
    (subject, scope)
}

/// Raw personal values of one side, as stored (see [`add_personal_data`]).
#[derive(Clone, Debug)]
pub struct PersonalData {
    pub reporter_name: String,
    pub reporter_phone: String,
    pub case_address: String,
    pub party: Uuid,
    pub party_name: String,
    pub party_phone: String,
    pub party_resident_id: String,
    pub party_address: String,
    pub contact: Uuid,
    pub contact_name: String,
    pub contact_phone: String,
    pub volunteer_name: String,
    pub volunteer_phone: String,
    pub volunteer_resident_id: String,
    pub mediator_phone: String,
}

/// Gives the side's case a reporter (name, phone, address) and a party with every personal
/// field, gives its enterprise a contact with name and phone, and returns these values
/// together with the volunteer's and the mediator's (which `world` already set).
pub async fn add_personal_data(db: &DatabaseConnection, s: &Side) -> PersonalData {
    use entity::{case_party, enterprise_contact, mediator, volunteer};
    use sea_orm::EntityTrait;

    let now = Utc::now();
    let reporter_name = "王小明".to_owned();
    let reporter_phone = "13800001234".to_owned();
    let case_address = "浙江省杭州市拱墅区武林街道体育场路1号".to_owned();
    let c = case::Entity::find_by_id(s.case)
        .one(db)
        .await
        .expect("load case")
        .expect("case exists");
    let mut c: case::ActiveModel = c.into();
    c.reporter_name = Set(Some(reporter_name.clone()));
    c.reporter_phone = Set(Some(reporter_phone.clone()));
    c.address = Set(Some(case_address.clone()));
    c.update(db).await.expect("reporter data");

    let party_name = "李建国".to_owned();
    let party_phone = "13912345678".to_owned();
    let party_resident_id = resident_id("33010619850312001");
    let party_address = "浙江省杭州市西湖区文三路90号".to_owned();
    let party = case_party::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(s.case),
        role: Set(PartyRole::Complainant),
        name: Set(party_name.clone()),
        phone: Set(Some(party_phone.clone())),
        resident_id: Set(Some(party_resident_id.clone())),
        id_document_kind: Set(None),
        id_document_number: Set(None),
        id_document_country: Set(None),
        address: Set(Some(party_address.clone())),
        enterprise_id: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .expect("party");

    let contact_name = "陈静怡".to_owned();
    let contact_phone = "13655556666".to_owned();
    let contact = enterprise_contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(s.enterprise),
        name: Set(contact_name.clone()),
        phone: Set(Some(contact_phone.clone())),
        position: Set(Some("安全主管".into())),
        is_primary: Set(true),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .expect("enterprise contact");

    let v = volunteer::Entity::find_by_id(s.volunteer)
        .one(db)
        .await
        .expect("load volunteer")
        .expect("volunteer exists");
    let m = mediator::Entity::find_by_id(s.mediator)
        .one(db)
        .await
        .expect("load mediator")
        .expect("mediator exists");
    PersonalData {
        reporter_name,
        reporter_phone,
        case_address,
        party: party.id,
        party_name,
        party_phone,
        party_resident_id,
        party_address,
        contact: contact.id,
        contact_name,
        contact_phone,
        volunteer_name: v.name,
        volunteer_phone: v.phone,
        volunteer_resident_id: v.resident_id.expect("volunteer resident id"),
        mediator_phone: m.phone.expect("mediator phone"),
    }
}
