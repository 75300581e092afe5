//! Initial schema: every table and index of the fengqiao data model.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // grids
        manager
            .create_table(
                Table::create()
                    .table(Grids::Table)
                    .if_not_exists()
                    .col(uuid(Grids::Id).primary_key())
                    .col(string_len(Grids::Code, 64))
                    .col(string_len(Grids::Name, 100))
                    .col(string_len(Grids::Level, 32))
                    .col(string_len(Grids::Kind, 32))
                    .col(uuid_null(Grids::ParentId))
                    .col(string_len(Grids::Path, 400))
                    .col(integer(Grids::Depth))
                    .col(timestamp_with_time_zone(Grids::CreatedAt))
                    .col(timestamp_with_time_zone(Grids::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grids_parent_id")
                            .from(Grids::Table, Grids::ParentId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_grids_code")
                    .table(Grids::Table)
                    .col(Grids::Code)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grids_path")
                    .table(Grids::Table)
                    .col(Grids::Path)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grids_parent_id")
                    .table(Grids::Table)
                    .col(Grids::ParentId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // police_grid_coverages
        manager
            .create_table(
                Table::create()
                    .table(PoliceGridCoverages::Table)
                    .if_not_exists()
                    .col(uuid(PoliceGridCoverages::PoliceGridId))
                    .col(uuid(PoliceGridCoverages::CommunityGridId))
                    .primary_key(
                        Index::create()
                            .col(PoliceGridCoverages::PoliceGridId)
                            .col(PoliceGridCoverages::CommunityGridId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_police_grid_coverages_police_grid_id")
                            .from(PoliceGridCoverages::Table, PoliceGridCoverages::PoliceGridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_police_grid_coverages_community_grid_id")
                            .from(PoliceGridCoverages::Table, PoliceGridCoverages::CommunityGridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_police_grid_coverages_community_grid_id")
                    .table(PoliceGridCoverages::Table)
                    .col(PoliceGridCoverages::CommunityGridId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // units
        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .if_not_exists()
                    .col(uuid(Units::Id).primary_key())
                    .col(string_len(Units::Code, 64))
                    .col(string_len(Units::Name, 100))
                    .col(string_len(Units::Kind, 32))
                    .col(uuid_null(Units::ParentId))
                    .col(uuid_null(Units::GridId))
                    .col(string_len_null(Units::Phone, 32))
                    .col(string_len_null(Units::Address, 200))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .col(timestamp_with_time_zone(Units::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_parent_id")
                            .from(Units::Table, Units::ParentId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_grid_id")
                            .from(Units::Table, Units::GridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_units_code")
                    .table(Units::Table)
                    .col(Units::Code)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_units_kind")
                    .table(Units::Table)
                    .col(Units::Kind)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_units_grid_id")
                    .table(Units::Table)
                    .col(Units::GridId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // enterprises
        manager
            .create_table(
                Table::create()
                    .table(Enterprises::Table)
                    .if_not_exists()
                    .col(uuid(Enterprises::Id).primary_key())
                    .col(string_len(Enterprises::CreditCode, 18))
                    .col(string_len(Enterprises::Name, 200))
                    .col(string_len_null(Enterprises::Industry, 100))
                    .col(boolean(Enterprises::AboveDesignatedSize))
                    .col(boolean(Enterprises::HazardousChemicals))
                    .col(string_len_null(Enterprises::Address, 200))
                    .col(uuid_null(Enterprises::GridId))
                    .col(uuid_null(Enterprises::LiaisonOfficerId))
                    .col(timestamp_with_time_zone(Enterprises::CreatedAt))
                    .col(timestamp_with_time_zone(Enterprises::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enterprises_grid_id")
                            .from(Enterprises::Table, Enterprises::GridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_enterprises_credit_code")
                    .table(Enterprises::Table)
                    .col(Enterprises::CreditCode)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_enterprises_grid_id")
                    .table(Enterprises::Table)
                    .col(Enterprises::GridId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_enterprises_name")
                    .table(Enterprises::Table)
                    .col(Enterprises::Name)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // persons
        manager
            .create_table(
                Table::create()
                    .table(Persons::Table)
                    .if_not_exists()
                    .col(uuid(Persons::Id).primary_key())
                    .col(string_len_null(Persons::Subject, 128))
                    .col(string_len(Persons::Name, 64))
                    .col(string_len(Persons::Kind, 32))
                    .col(string_len_null(Persons::Phone, 32))
                    .col(string_len_null(Persons::ResidentId, 18))
                    .col(uuid_null(Persons::UnitId))
                    .col(uuid_null(Persons::GridId))
                    .col(uuid_null(Persons::EnterpriseId))
                    .col(timestamp_with_time_zone(Persons::CreatedAt))
                    .col(timestamp_with_time_zone(Persons::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_persons_unit_id")
                            .from(Persons::Table, Persons::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_persons_grid_id")
                            .from(Persons::Table, Persons::GridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_persons_enterprise_id")
                            .from(Persons::Table, Persons::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_persons_subject")
                    .table(Persons::Table)
                    .col(Persons::Subject)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_persons_unit_id")
                    .table(Persons::Table)
                    .col(Persons::UnitId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_persons_grid_id")
                    .table(Persons::Table)
                    .col(Persons::GridId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // enterprise_contacts
        manager
            .create_table(
                Table::create()
                    .table(EnterpriseContacts::Table)
                    .if_not_exists()
                    .col(uuid(EnterpriseContacts::Id).primary_key())
                    .col(uuid(EnterpriseContacts::EnterpriseId))
                    .col(string_len(EnterpriseContacts::Name, 64))
                    .col(string_len_null(EnterpriseContacts::Phone, 32))
                    .col(string_len_null(EnterpriseContacts::Position, 64))
                    .col(boolean(EnterpriseContacts::IsPrimary))
                    .col(timestamp_with_time_zone(EnterpriseContacts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enterprise_contacts_enterprise_id")
                            .from(EnterpriseContacts::Table, EnterpriseContacts::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_enterprise_contacts_enterprise_id")
                    .table(EnterpriseContacts::Table)
                    .col(EnterpriseContacts::EnterpriseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // volunteer_teams
        manager
            .create_table(
                Table::create()
                    .table(VolunteerTeams::Table)
                    .if_not_exists()
                    .col(uuid(VolunteerTeams::Id).primary_key())
                    .col(string_len(VolunteerTeams::Name, 100))
                    .col(string_len_null(VolunteerTeams::Brand, 100))
                    .col(string_len(VolunteerTeams::Kind, 32))
                    .col(string_len_null(VolunteerTeams::Alliance, 100))
                    .col(uuid_null(VolunteerTeams::GridId))
                    .col(uuid_null(VolunteerTeams::UnitId))
                    .col(timestamp_with_time_zone(VolunteerTeams::CreatedAt))
                    .col(timestamp_with_time_zone(VolunteerTeams::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_volunteer_teams_grid_id")
                            .from(VolunteerTeams::Table, VolunteerTeams::GridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_volunteer_teams_unit_id")
                            .from(VolunteerTeams::Table, VolunteerTeams::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_volunteer_teams_name")
                    .table(VolunteerTeams::Table)
                    .col(VolunteerTeams::Name)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_volunteer_teams_grid_id")
                    .table(VolunteerTeams::Table)
                    .col(VolunteerTeams::GridId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // volunteers
        manager
            .create_table(
                Table::create()
                    .table(Volunteers::Table)
                    .if_not_exists()
                    .col(uuid(Volunteers::Id).primary_key())
                    .col(string_len_null(Volunteers::Subject, 128))
                    .col(string_len(Volunteers::Name, 64))
                    .col(string_len(Volunteers::Phone, 32))
                    .col(string_len_null(Volunteers::ResidentId, 18))
                    .col(string_len(Volunteers::Status, 32))
                    .col(big_integer(Volunteers::ServiceMinutes).default(0))
                    .col(timestamp_with_time_zone(Volunteers::CreatedAt))
                    .col(timestamp_with_time_zone(Volunteers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_volunteers_subject")
                    .table(Volunteers::Table)
                    .col(Volunteers::Subject)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_volunteers_resident_id")
                    .table(Volunteers::Table)
                    .col(Volunteers::ResidentId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_volunteers_status")
                    .table(Volunteers::Table)
                    .col(Volunteers::Status)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // volunteer_memberships
        manager
            .create_table(
                Table::create()
                    .table(VolunteerMemberships::Table)
                    .if_not_exists()
                    .col(uuid(VolunteerMemberships::VolunteerId))
                    .col(uuid(VolunteerMemberships::TeamId))
                    .col(string_len(VolunteerMemberships::Role, 32))
                    .col(timestamp_with_time_zone(VolunteerMemberships::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(VolunteerMemberships::VolunteerId)
                            .col(VolunteerMemberships::TeamId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_volunteer_memberships_volunteer_id")
                            .from(VolunteerMemberships::Table, VolunteerMemberships::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_volunteer_memberships_team_id")
                            .from(VolunteerMemberships::Table, VolunteerMemberships::TeamId)
                            .to(VolunteerTeams::Table, VolunteerTeams::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_volunteer_memberships_team_id")
                    .table(VolunteerMemberships::Table)
                    .col(VolunteerMemberships::TeamId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // volunteer_skills
        manager
            .create_table(
                Table::create()
                    .table(VolunteerSkills::Table)
                    .if_not_exists()
                    .col(uuid(VolunteerSkills::VolunteerId))
                    .col(string_len(VolunteerSkills::Skill, 32))
                    .primary_key(
                        Index::create()
                            .col(VolunteerSkills::VolunteerId)
                            .col(VolunteerSkills::Skill),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_volunteer_skills_volunteer_id")
                            .from(VolunteerSkills::Table, VolunteerSkills::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_volunteer_skills_skill")
                    .table(VolunteerSkills::Table)
                    .col(VolunteerSkills::Skill)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // volunteer_languages
        manager
            .create_table(
                Table::create()
                    .table(VolunteerLanguages::Table)
                    .if_not_exists()
                    .col(uuid(VolunteerLanguages::VolunteerId))
                    .col(string_len(VolunteerLanguages::Language, 16))
                    .primary_key(
                        Index::create()
                            .col(VolunteerLanguages::VolunteerId)
                            .col(VolunteerLanguages::Language),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_volunteer_languages_volunteer_id")
                            .from(VolunteerLanguages::Table, VolunteerLanguages::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_volunteer_languages_language")
                    .table(VolunteerLanguages::Table)
                    .col(VolunteerLanguages::Language)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // volunteer_honours
        manager
            .create_table(
                Table::create()
                    .table(VolunteerHonours::Table)
                    .if_not_exists()
                    .col(uuid(VolunteerHonours::Id).primary_key())
                    .col(uuid(VolunteerHonours::VolunteerId))
                    .col(string_len(VolunteerHonours::Title, 100))
                    .col(string_len_null(VolunteerHonours::AwardedBy, 100))
                    .col(date(VolunteerHonours::AwardedOn))
                    .col(timestamp_with_time_zone(VolunteerHonours::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_volunteer_honours_volunteer_id")
                            .from(VolunteerHonours::Table, VolunteerHonours::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_volunteer_honours_volunteer_id")
                    .table(VolunteerHonours::Table)
                    .col(VolunteerHonours::VolunteerId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // mediation_rooms
        manager
            .create_table(
                Table::create()
                    .table(MediationRooms::Table)
                    .if_not_exists()
                    .col(uuid(MediationRooms::Id).primary_key())
                    .col(string_len(MediationRooms::Name, 100))
                    .col(string_len(MediationRooms::Level, 32))
                    .col(uuid_null(MediationRooms::GridId))
                    .col(uuid_null(MediationRooms::UnitId))
                    .col(string_len_null(MediationRooms::Address, 200))
                    .col(string_len_null(MediationRooms::Phone, 32))
                    .col(string_len_null(MediationRooms::Description, 500))
                    .col(timestamp_with_time_zone(MediationRooms::CreatedAt))
                    .col(timestamp_with_time_zone(MediationRooms::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mediation_rooms_grid_id")
                            .from(MediationRooms::Table, MediationRooms::GridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mediation_rooms_unit_id")
                            .from(MediationRooms::Table, MediationRooms::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_mediation_rooms_name")
                    .table(MediationRooms::Table)
                    .col(MediationRooms::Name)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mediation_rooms_level")
                    .table(MediationRooms::Table)
                    .col(MediationRooms::Level)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mediation_rooms_grid_id")
                    .table(MediationRooms::Table)
                    .col(MediationRooms::GridId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // mediators
        manager
            .create_table(
                Table::create()
                    .table(Mediators::Table)
                    .if_not_exists()
                    .col(uuid(Mediators::Id).primary_key())
                    .col(string_len_null(Mediators::Subject, 128))
                    .col(uuid(Mediators::RoomId))
                    .col(string_len(Mediators::Name, 64))
                    .col(string_len(Mediators::Kind, 32))
                    .col(string_len_null(Mediators::Phone, 32))
                    .col(string_len_null(Mediators::Nationality, 2))
                    .col(boolean(Mediators::Active))
                    .col(timestamp_with_time_zone(Mediators::CreatedAt))
                    .col(timestamp_with_time_zone(Mediators::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mediators_room_id")
                            .from(Mediators::Table, Mediators::RoomId)
                            .to(MediationRooms::Table, MediationRooms::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_mediators_subject")
                    .table(Mediators::Table)
                    .col(Mediators::Subject)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mediators_room_id")
                    .table(Mediators::Table)
                    .col(Mediators::RoomId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // mediator_languages
        manager
            .create_table(
                Table::create()
                    .table(MediatorLanguages::Table)
                    .if_not_exists()
                    .col(uuid(MediatorLanguages::MediatorId))
                    .col(string_len(MediatorLanguages::Language, 16))
                    .primary_key(
                        Index::create()
                            .col(MediatorLanguages::MediatorId)
                            .col(MediatorLanguages::Language),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mediator_languages_mediator_id")
                            .from(MediatorLanguages::Table, MediatorLanguages::MediatorId)
                            .to(Mediators::Table, Mediators::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mediator_languages_language")
                    .table(MediatorLanguages::Table)
                    .col(MediatorLanguages::Language)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // report_codes
        manager
            .create_table(
                Table::create()
                    .table(ReportCodes::Table)
                    .if_not_exists()
                    .col(uuid(ReportCodes::Id).primary_key())
                    .col(string_len(ReportCodes::Code, 32))
                    .col(string_len(ReportCodes::Label, 100))
                    .col(string_len_null(ReportCodes::Place, 200))
                    .col(uuid_null(ReportCodes::GridId))
                    .col(uuid_null(ReportCodes::RoomId))
                    .col(uuid_null(ReportCodes::EnterpriseId))
                    .col(boolean(ReportCodes::Active))
                    .col(timestamp_with_time_zone(ReportCodes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_report_codes_grid_id")
                            .from(ReportCodes::Table, ReportCodes::GridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_report_codes_room_id")
                            .from(ReportCodes::Table, ReportCodes::RoomId)
                            .to(MediationRooms::Table, MediationRooms::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_report_codes_enterprise_id")
                            .from(ReportCodes::Table, ReportCodes::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_report_codes_code")
                    .table(ReportCodes::Table)
                    .col(ReportCodes::Code)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // cases
        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .if_not_exists()
                    .col(uuid(Cases::Id).primary_key())
                    .col(string_len(Cases::TrackingNumber, 32))
                    .col(string_len(Cases::Kind, 32))
                    .col(string_len_null(Cases::Category, 32))
                    .col(string_len(Cases::Title, 200))
                    .col(string_len(Cases::Description, 4000))
                    .col(string_len(Cases::Status, 32))
                    .col(string_len_null(Cases::RiskColour, 32))
                    .col(string_len_null(Cases::Severity, 32))
                    .col(string_len(Cases::Source, 32))
                    .col(string_len(Cases::ReporterRole, 32))
                    .col(string_len_null(Cases::ReporterSubject, 128))
                    .col(string_len_null(Cases::ReporterName, 64))
                    .col(string_len_null(Cases::ReporterPhone, 32))
                    .col(string_len_null(Cases::Address, 200))
                    .col(double_null(Cases::Latitude))
                    .col(double_null(Cases::Longitude))
                    .col(uuid_null(Cases::GridId))
                    .col(uuid_null(Cases::EnterpriseId))
                    .col(uuid_null(Cases::RoomId))
                    .col(uuid_null(Cases::ReportCodeId))
                    .col(string_len_null(Cases::TrackingTokenHash, 64))
                    .col(timestamp_with_time_zone_null(Cases::OccurredAt))
                    .col(timestamp_with_time_zone_null(Cases::FirstResponseDue))
                    .col(timestamp_with_time_zone_null(Cases::ResolutionDue))
                    .col(timestamp_with_time_zone_null(Cases::FirstResponseAt))
                    .col(timestamp_with_time_zone_null(Cases::ResolvedAt))
                    .col(timestamp_with_time_zone_null(Cases::ClosedAt))
                    .col(integer(Cases::Version))
                    .col(timestamp_with_time_zone(Cases::CreatedAt))
                    .col(timestamp_with_time_zone(Cases::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cases_grid_id")
                            .from(Cases::Table, Cases::GridId)
                            .to(Grids::Table, Grids::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cases_enterprise_id")
                            .from(Cases::Table, Cases::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cases_room_id")
                            .from(Cases::Table, Cases::RoomId)
                            .to(MediationRooms::Table, MediationRooms::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cases_report_code_id")
                            .from(Cases::Table, Cases::ReportCodeId)
                            .to(ReportCodes::Table, ReportCodes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_cases_tracking_number")
                    .table(Cases::Table)
                    .col(Cases::TrackingNumber)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_cases_tracking_token_hash")
                    .table(Cases::Table)
                    .col(Cases::TrackingTokenHash)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_grid_id_id")
                    .table(Cases::Table)
                    .col(Cases::GridId)
                    .col(Cases::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_status_id")
                    .table(Cases::Table)
                    .col(Cases::Status)
                    .col(Cases::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_kind_id")
                    .table(Cases::Table)
                    .col(Cases::Kind)
                    .col(Cases::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_enterprise_id")
                    .table(Cases::Table)
                    .col(Cases::EnterpriseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_room_id")
                    .table(Cases::Table)
                    .col(Cases::RoomId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_risk_colour")
                    .table(Cases::Table)
                    .col(Cases::RiskColour)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_severity")
                    .table(Cases::Table)
                    .col(Cases::Severity)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_source")
                    .table(Cases::Table)
                    .col(Cases::Source)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_updated_at_id")
                    .table(Cases::Table)
                    .col(Cases::UpdatedAt)
                    .col(Cases::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_created_at")
                    .table(Cases::Table)
                    .col(Cases::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cases_reporter_subject")
                    .table(Cases::Table)
                    .col(Cases::ReporterSubject)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // case_parties
        manager
            .create_table(
                Table::create()
                    .table(CaseParties::Table)
                    .if_not_exists()
                    .col(uuid(CaseParties::Id).primary_key())
                    .col(uuid(CaseParties::CaseId))
                    .col(string_len(CaseParties::Role, 32))
                    .col(string_len(CaseParties::Name, 64))
                    .col(string_len_null(CaseParties::Phone, 32))
                    .col(string_len_null(CaseParties::ResidentId, 18))
                    .col(string_len_null(CaseParties::Address, 200))
                    .col(uuid_null(CaseParties::EnterpriseId))
                    .col(timestamp_with_time_zone(CaseParties::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_parties_case_id")
                            .from(CaseParties::Table, CaseParties::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_parties_enterprise_id")
                            .from(CaseParties::Table, CaseParties::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_parties_case_id")
                    .table(CaseParties::Table)
                    .col(CaseParties::CaseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // case_timeline_entries
        manager
            .create_table(
                Table::create()
                    .table(CaseTimelineEntries::Table)
                    .if_not_exists()
                    .col(uuid(CaseTimelineEntries::Id).primary_key())
                    .col(uuid(CaseTimelineEntries::CaseId))
                    .col(integer(CaseTimelineEntries::Seq))
                    .col(string_len(CaseTimelineEntries::Kind, 32))
                    .col(string_len_null(CaseTimelineEntries::FromStatus, 32))
                    .col(string_len_null(CaseTimelineEntries::ToStatus, 32))
                    .col(string_len_null(CaseTimelineEntries::ActorSubject, 128))
                    .col(string_len_null(CaseTimelineEntries::ActorRole, 32))
                    .col(uuid_null(CaseTimelineEntries::UnitId))
                    .col(string_len_null(CaseTimelineEntries::Note, 2000))
                    .col(boolean(CaseTimelineEntries::Public))
                    .col(timestamp_with_time_zone(CaseTimelineEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_timeline_entries_case_id")
                            .from(CaseTimelineEntries::Table, CaseTimelineEntries::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_timeline_entries_unit_id")
                            .from(CaseTimelineEntries::Table, CaseTimelineEntries::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_case_timeline_entries_case_id_seq")
                    .table(CaseTimelineEntries::Table)
                    .col(CaseTimelineEntries::CaseId)
                    .col(CaseTimelineEntries::Seq)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // case_assignments
        manager
            .create_table(
                Table::create()
                    .table(CaseAssignments::Table)
                    .if_not_exists()
                    .col(uuid(CaseAssignments::Id).primary_key())
                    .col(uuid(CaseAssignments::CaseId))
                    .col(uuid(CaseAssignments::UnitId))
                    .col(boolean(CaseAssignments::Lead))
                    .col(string_len(CaseAssignments::Status, 32))
                    .col(string_len_null(CaseAssignments::Reason, 500))
                    .col(string_len_null(CaseAssignments::AssignedBy, 128))
                    .col(timestamp_with_time_zone(CaseAssignments::AssignedAt))
                    .col(timestamp_with_time_zone_null(CaseAssignments::RespondedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_assignments_case_id")
                            .from(CaseAssignments::Table, CaseAssignments::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_assignments_unit_id")
                            .from(CaseAssignments::Table, CaseAssignments::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_assignments_case_id")
                    .table(CaseAssignments::Table)
                    .col(CaseAssignments::CaseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_assignments_unit_id_case_id")
                    .table(CaseAssignments::Table)
                    .col(CaseAssignments::UnitId)
                    .col(CaseAssignments::CaseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // case_attachments
        manager
            .create_table(
                Table::create()
                    .table(CaseAttachments::Table)
                    .if_not_exists()
                    .col(uuid(CaseAttachments::Id).primary_key())
                    .col(uuid(CaseAttachments::CaseId))
                    .col(string_len(CaseAttachments::FileName, 200))
                    .col(string_len(CaseAttachments::ContentType, 100))
                    .col(big_integer(CaseAttachments::SizeBytes))
                    .col(string_len(CaseAttachments::Sha256, 64))
                    .col(string_len(CaseAttachments::StorageKey, 200))
                    .col(string_len_null(CaseAttachments::UploadedBy, 128))
                    .col(timestamp_with_time_zone(CaseAttachments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_attachments_case_id")
                            .from(CaseAttachments::Table, CaseAttachments::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_attachments_case_id")
                    .table(CaseAttachments::Table)
                    .col(CaseAttachments::CaseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // case_volunteer_tasks
        manager
            .create_table(
                Table::create()
                    .table(CaseVolunteerTasks::Table)
                    .if_not_exists()
                    .col(uuid(CaseVolunteerTasks::Id).primary_key())
                    .col(uuid(CaseVolunteerTasks::CaseId))
                    .col(uuid_null(CaseVolunteerTasks::TeamId))
                    .col(uuid_null(CaseVolunteerTasks::VolunteerId))
                    .col(string_len(CaseVolunteerTasks::Kind, 32))
                    .col(string_len(CaseVolunteerTasks::Status, 32))
                    .col(timestamp_with_time_zone_null(CaseVolunteerTasks::CheckedInAt))
                    .col(timestamp_with_time_zone_null(CaseVolunteerTasks::CheckedOutAt))
                    .col(double_null(CaseVolunteerTasks::CheckInLatitude))
                    .col(double_null(CaseVolunteerTasks::CheckInLongitude))
                    .col(big_integer_null(CaseVolunteerTasks::Minutes))
                    .col(timestamp_with_time_zone(CaseVolunteerTasks::CreatedAt))
                    .col(timestamp_with_time_zone(CaseVolunteerTasks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_volunteer_tasks_case_id")
                            .from(CaseVolunteerTasks::Table, CaseVolunteerTasks::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_volunteer_tasks_team_id")
                            .from(CaseVolunteerTasks::Table, CaseVolunteerTasks::TeamId)
                            .to(VolunteerTeams::Table, VolunteerTeams::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_volunteer_tasks_volunteer_id")
                            .from(CaseVolunteerTasks::Table, CaseVolunteerTasks::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_volunteer_tasks_case_id")
                    .table(CaseVolunteerTasks::Table)
                    .col(CaseVolunteerTasks::CaseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_volunteer_tasks_volunteer_id")
                    .table(CaseVolunteerTasks::Table)
                    .col(CaseVolunteerTasks::VolunteerId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_volunteer_tasks_team_id")
                    .table(CaseVolunteerTasks::Table)
                    .col(CaseVolunteerTasks::TeamId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // mediation_sessions
        manager
            .create_table(
                Table::create()
                    .table(MediationSessions::Table)
                    .if_not_exists()
                    .col(uuid(MediationSessions::Id).primary_key())
                    .col(uuid(MediationSessions::CaseId))
                    .col(uuid(MediationSessions::RoomId))
                    .col(string_len(MediationSessions::Level, 32))
                    .col(timestamp_with_time_zone(MediationSessions::ScheduledAt))
                    .col(timestamp_with_time_zone_null(MediationSessions::HeldAt))
                    .col(string_len(MediationSessions::Outcome, 32))
                    .col(string_len_null(MediationSessions::AgreementText, 4000))
                    .col(boolean(MediationSessions::JudicialConfirmed))
                    .col(string_len_null(MediationSessions::Notes, 2000))
                    .col(timestamp_with_time_zone(MediationSessions::CreatedAt))
                    .col(timestamp_with_time_zone(MediationSessions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mediation_sessions_case_id")
                            .from(MediationSessions::Table, MediationSessions::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mediation_sessions_room_id")
                            .from(MediationSessions::Table, MediationSessions::RoomId)
                            .to(MediationRooms::Table, MediationRooms::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mediation_sessions_case_id")
                    .table(MediationSessions::Table)
                    .col(MediationSessions::CaseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mediation_sessions_room_id")
                    .table(MediationSessions::Table)
                    .col(MediationSessions::RoomId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // session_mediators
        manager
            .create_table(
                Table::create()
                    .table(SessionMediators::Table)
                    .if_not_exists()
                    .col(uuid(SessionMediators::SessionId))
                    .col(uuid(SessionMediators::MediatorId))
                    .primary_key(
                        Index::create()
                            .col(SessionMediators::SessionId)
                            .col(SessionMediators::MediatorId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_mediators_session_id")
                            .from(SessionMediators::Table, SessionMediators::SessionId)
                            .to(MediationSessions::Table, MediationSessions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_mediators_mediator_id")
                            .from(SessionMediators::Table, SessionMediators::MediatorId)
                            .to(Mediators::Table, Mediators::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_session_mediators_mediator_id")
                    .table(SessionMediators::Table)
                    .col(SessionMediators::MediatorId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // follow_ups
        manager
            .create_table(
                Table::create()
                    .table(FollowUps::Table)
                    .if_not_exists()
                    .col(uuid(FollowUps::Id).primary_key())
                    .col(uuid(FollowUps::CaseId))
                    .col(string_len(FollowUps::Method, 32))
                    .col(timestamp_with_time_zone(FollowUps::VisitedAt))
                    .col(string_len_null(FollowUps::VisitorSubject, 128))
                    .col(small_integer(FollowUps::ResponseSpeedRating))
                    .col(small_integer(FollowUps::AttitudeRating))
                    .col(small_integer(FollowUps::HandlingRating))
                    .col(boolean(FollowUps::Satisfied))
                    .col(string_len_null(FollowUps::Comment, 1000))
                    .col(timestamp_with_time_zone(FollowUps::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_follow_ups_case_id")
                            .from(FollowUps::Table, FollowUps::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_follow_ups_case_id")
                    .table(FollowUps::Table)
                    .col(FollowUps::CaseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // platforms
        manager
            .create_table(
                Table::create()
                    .table(Platforms::Table)
                    .if_not_exists()
                    .col(uuid(Platforms::Id).primary_key())
                    .col(string_len(Platforms::Code, 32))
                    .col(string_len(Platforms::Name, 100))
                    .col(string_len(Platforms::Kind, 32))
                    .col(boolean(Platforms::Enabled))
                    .col(timestamp_with_time_zone(Platforms::CreatedAt))
                    .col(timestamp_with_time_zone(Platforms::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_platforms_code")
                    .table(Platforms::Table)
                    .col(Platforms::Code)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // external_refs
        manager
            .create_table(
                Table::create()
                    .table(ExternalRefs::Table)
                    .if_not_exists()
                    .col(uuid(ExternalRefs::Id).primary_key())
                    .col(uuid(ExternalRefs::PlatformId))
                    .col(string_len(ExternalRefs::Entity, 32))
                    .col(uuid(ExternalRefs::EntityId))
                    .col(string_len(ExternalRefs::ExternalId, 128))
                    .col(big_integer_null(ExternalRefs::ExternalVersion))
                    .col(timestamp_with_time_zone(ExternalRefs::LastSyncedAt))
                    .col(timestamp_with_time_zone(ExternalRefs::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_external_refs_platform_id")
                            .from(ExternalRefs::Table, ExternalRefs::PlatformId)
                            .to(Platforms::Table, Platforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_external_refs_platform_id_entity_external_id")
                    .table(ExternalRefs::Table)
                    .col(ExternalRefs::PlatformId)
                    .col(ExternalRefs::Entity)
                    .col(ExternalRefs::ExternalId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_external_refs_entity_entity_id")
                    .table(ExternalRefs::Table)
                    .col(ExternalRefs::Entity)
                    .col(ExternalRefs::EntityId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // tracking_counters
        manager
            .create_table(
                Table::create()
                    .table(TrackingCounters::Table)
                    .if_not_exists()
                    .col(string_len(TrackingCounters::Day, 8).primary_key())
                    .col(big_integer(TrackingCounters::Last))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Reverse dependency order; indexes go with their tables.
        manager
            .drop_table(
                Table::drop()
                    .table(TrackingCounters::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ExternalRefs::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Platforms::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(FollowUps::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(SessionMediators::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(MediationSessions::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(CaseVolunteerTasks::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CaseAttachments::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CaseAssignments::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(CaseTimelineEntries::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CaseParties::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Cases::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ReportCodes::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(MediatorLanguages::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Mediators::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MediationRooms::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(VolunteerHonours::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(VolunteerLanguages::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(VolunteerSkills::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(VolunteerMemberships::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Volunteers::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(VolunteerTeams::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(EnterpriseContacts::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Persons::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Enterprises::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Units::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(PoliceGridCoverages::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Grids::Table).if_exists().to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Grids {
    Table,
    Id,
    Code,
    Name,
    Level,
    Kind,
    ParentId,
    Path,
    Depth,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PoliceGridCoverages {
    Table,
    PoliceGridId,
    CommunityGridId,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Code,
    Name,
    Kind,
    ParentId,
    GridId,
    Phone,
    Address,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    CreditCode,
    Name,
    Industry,
    AboveDesignatedSize,
    HazardousChemicals,
    Address,
    GridId,
    LiaisonOfficerId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    Subject,
    Name,
    Kind,
    Phone,
    ResidentId,
    UnitId,
    GridId,
    EnterpriseId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EnterpriseContacts {
    Table,
    Id,
    EnterpriseId,
    Name,
    Phone,
    Position,
    IsPrimary,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VolunteerTeams {
    Table,
    Id,
    Name,
    Brand,
    Kind,
    Alliance,
    GridId,
    UnitId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Volunteers {
    Table,
    Id,
    Subject,
    Name,
    Phone,
    ResidentId,
    Status,
    ServiceMinutes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VolunteerMemberships {
    Table,
    VolunteerId,
    TeamId,
    Role,
    JoinedAt,
}

#[derive(DeriveIden)]
enum VolunteerSkills {
    Table,
    VolunteerId,
    Skill,
}

#[derive(DeriveIden)]
enum VolunteerLanguages {
    Table,
    VolunteerId,
    Language,
}

#[derive(DeriveIden)]
enum VolunteerHonours {
    Table,
    Id,
    VolunteerId,
    Title,
    AwardedBy,
    AwardedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MediationRooms {
    Table,
    Id,
    Name,
    Level,
    GridId,
    UnitId,
    Address,
    Phone,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Mediators {
    Table,
    Id,
    Subject,
    RoomId,
    Name,
    Kind,
    Phone,
    Nationality,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MediatorLanguages {
    Table,
    MediatorId,
    Language,
}

#[derive(DeriveIden)]
enum ReportCodes {
    Table,
    Id,
    Code,
    Label,
    Place,
    GridId,
    RoomId,
    EnterpriseId,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    TrackingNumber,
    Kind,
    Category,
    Title,
    Description,
    Status,
    RiskColour,
    Severity,
    Source,
    ReporterRole,
    ReporterSubject,
    ReporterName,
    ReporterPhone,
    Address,
    Latitude,
    Longitude,
    GridId,
    EnterpriseId,
    RoomId,
    ReportCodeId,
    TrackingTokenHash,
    OccurredAt,
    FirstResponseDue,
    ResolutionDue,
    FirstResponseAt,
    ResolvedAt,
    ClosedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CaseParties {
    Table,
    Id,
    CaseId,
    Role,
    Name,
    Phone,
    ResidentId,
    Address,
    EnterpriseId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CaseTimelineEntries {
    Table,
    Id,
    CaseId,
    Seq,
    Kind,
    FromStatus,
    ToStatus,
    ActorSubject,
    ActorRole,
    UnitId,
    Note,
    Public,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CaseAssignments {
    Table,
    Id,
    CaseId,
    UnitId,
    Lead,
    Status,
    Reason,
    AssignedBy,
    AssignedAt,
    RespondedAt,
}

#[derive(DeriveIden)]
enum CaseAttachments {
    Table,
    Id,
    CaseId,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    StorageKey,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CaseVolunteerTasks {
    Table,
    Id,
    CaseId,
    TeamId,
    VolunteerId,
    Kind,
    Status,
    CheckedInAt,
    CheckedOutAt,
    CheckInLatitude,
    CheckInLongitude,
    Minutes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MediationSessions {
    Table,
    Id,
    CaseId,
    RoomId,
    Level,
    ScheduledAt,
    HeldAt,
    Outcome,
    AgreementText,
    JudicialConfirmed,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SessionMediators {
    Table,
    SessionId,
    MediatorId,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    Id,
    CaseId,
    Method,
    VisitedAt,
    VisitorSubject,
    ResponseSpeedRating,
    AttitudeRating,
    HandlingRating,
    Satisfied,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
    Code,
    Name,
    Kind,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ExternalRefs {
    Table,
    Id,
    PlatformId,
    Entity,
    EntityId,
    ExternalId,
    ExternalVersion,
    LastSyncedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TrackingCounters {
    Table,
    Day,
    Last,
}
