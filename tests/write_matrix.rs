//! The write side of the access matrix: every role (scoped to side A, and district-wide
//! commanders and admins) against every mutation, aimed at side A (in scope), at side B (out
//! of scope) and, where a mutation names more than one record, at side A with a record of
//! side B. A refused call answers UNAUTHENTICATED, FORBIDDEN or NOT_FOUND as the rules say,
//! and changes no row; a call in scope gets past every scope check (its answer may still be a
//! CONFLICT or BAD_USER_INPUT of the closed loop's rules).

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicUsize, Ordering},
};

use base64::Engine;
use entity::{
    case, case_assignment, case_volunteer_task, duplicate_link, enums::*, mediation_session, outbox_event,
};
use fengqiao_api::{
    auth::{Actor, Role, Scope},
    service::{self, report_code::NewReportCode},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, Statement};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    fixtures::{credit_code, persona, resident_id, world, Side},
    harness::{error_code, TestApp},
};

/// Which records a call is aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Aim {
    /// Side A's records: in the A personas' scope.
    Own,
    /// Side B's records: out of the A personas' scope.
    Other,
    /// Side A's record with a record of side B named in the input.
    Mixed,
}

/// Who calls.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// A persona of the role scoped to side A (anonymous: no token).
    Side(Role),
    /// A commander or admin with the district-wide claim.
    District(Role),
}

impl Who {
    fn role(self) -> Role {
        match self {
            Who::Side(r) | Who::District(r) => r,
        }
    }
}

/// Records of one side the inputs name, beyond the fixtures' [`Side`].
#[derive(Clone, Debug)]
struct Extra {
    assignment: Uuid,
    session: Uuid,
    task: Uuid,
    code: String,
    code_id: Uuid,
    link: Uuid,
    outbox: Uuid,
    street_code: String,
    enterprise_code: String,
}

struct Env<'a> {
    a: &'a Side,
    b: &'a Side,
    xa: Extra,
    xb: Extra,
    /// Current versions of the sides' cases (read before every call).
    versions: (i32, i32),
    /// Makes codes and names unique across calls.
    n: usize,
}

impl Env<'_> {
    fn side(&self, aim: Aim) -> (&Side, &Extra, i32) {
        match aim {
            Aim::Own | Aim::Mixed => (self.a, &self.xa, self.versions.0),
            Aim::Other => (self.b, &self.xb, self.versions.1),
        }
    }

    /// The step fields aimed at the side's case.
    fn step(&self, aim: Aim, note: &str) -> Value {
        let (s, _, v) = self.side(aim);
        json!({ "caseId": s.case.to_string(), "version": v, "note": note })
    }
}

type Input = fn(&Env, Aim) -> Option<Value>;

struct Mutation {
    field: &'static str,
    input_type: &'static str,
    /// Roles that may call it at all (everyone else: FORBIDDEN; anonymous: UNAUTHENTICATED).
    roles: &'static [Role],
    /// Only with the district-wide claim.
    district: bool,
    /// Callable without a token.
    anonymous: bool,
    /// How a call aimed out of scope is refused when it is not a GraphQL error: the JSON
    /// pointer of a per-record error code in the answer (`syncRecords`, `importMasterData`).
    refusal_in: Option<&'static str>,
    /// Roles for which even side A's records named in the input are out of reach.
    own_out_of_reach: &'static [Role],
    input: Input,
}

const ALL: &[Role] = &[
    Role::Citizen,
    Role::GridWorker,
    Role::CommunityPolice,
    Role::Commander,
    Role::Mediator,
    Role::Volunteer,
    Role::EnterpriseLiaison,
    Role::DepartmentStaff,
    Role::Platform,
    Role::Admin,
];
const MASTER: &[Role] = &[Role::Admin, Role::Commander];
const ADMIN: &[Role] = &[Role::Admin];

/// Roles of a step of the closed loop, as `RULES` says.
fn rule(action: service::workflow::Action) -> &'static [Role] {
    service::workflow::rule(action).map(|r| r.roles).unwrap_or(&[])
}

fn own_only(aim: Aim) -> bool {
    aim == Aim::Own
}

fn mutations() -> Vec<Mutation> {
    use service::workflow::Action as A;
    let m = |field: &'static str, input_type: &'static str, roles: &'static [Role], input: Input| Mutation {
        field,
        input_type,
        roles,
        district: false,
        anonymous: false,
        refusal_in: None,
        own_out_of_reach: &[],
        input,
    };
    let mut v = vec![
        Mutation {
            // A citizen names an enterprise by id only when they read it: they do not.
            own_out_of_reach: &[Role::Citizen],
            ..m("reportCase", "ReportCaseInput", ALL, |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "title": "写入矩阵", "description": "x", "gridId": e.a.community.to_string(), "enterpriseId": s.enterprise.to_string() }))
            })
        },
        m("assessCase", "AssessCaseInput", rule(A::Assess), |e, aim| {
            (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "GREEN" }))
        }),
        m(
            "dispatchCase",
            "DispatchCaseInput",
            rule(A::Dispatch),
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "unitIds": [s.unit.to_string()], "leadUnitId": s.unit.to_string() }))
            },
        ),
        // JSON carries no file: in scope the call gets past the case's scope to BAD_USER_INPUT
        // (send a file); `attachments` sends real files through the multipart spec.
        m("attachToCase", "AttachToCaseInput", ALL, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "caseId": s.case.to_string(), "note": "写入矩阵" }))
        }),
        // In scope the case is in that grid already (BAD_USER_INPUT past every scope check).
        // A side-A case into side B's grid is tested in `places`: here a district-wide
        // commander would move it out of the side-A personas' sight for every later call.
        m("placeCase", "PlaceCaseInput", rule(A::Place), |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "gridId": s.community.to_string() }))
        }),
        // Units are the district's directory (as for dispatchCase): no mixed aim.
        m(
            "recordConsultation",
            "RecordConsultationInput",
            rule(A::Consult),
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "heldAt": "2026-11-20T02:00:00Z", "participants": ["所领导"],
                         "unitIds": [s.unit.to_string()], "conclusion": "FURTHER_INVESTIGATION" }))
            },
        ),
        m("divertCase", "DivertCaseInput", rule(A::Divert), |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "unitId": s.unit.to_string() }))
        }),
        m(
            "acceptAssignment",
            "AssignmentAnswerInput",
            rule(A::Accept),
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed)
                    .then(|| json!({ "step": e.step(aim, ""), "assignmentId": x.assignment.to_string() }))
            },
        ),
        m(
            "rejectAssignment",
            "AssignmentAnswerInput",
            rule(A::Reject),
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, "不归我们"), "assignmentId": x.assignment.to_string(), "reason": "不归我们管" }))
            },
        ),
        m(
            "transferAssignment",
            "TransferAssignmentInput",
            rule(A::Transfer),
            |e, aim| {
                let (s, x, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "assignmentId": x.assignment.to_string(), "toUnitId": s.unit.to_string(), "reason": "转交处理" }))
            },
        ),
        m(
            "startHandling",
            "CaseStepInput",
            rule(A::StartHandling),
            |e, aim| (aim != Aim::Mixed).then(|| e.step(aim, "")),
        ),
        m(
            "referCaseToMediation",
            "ReferToMediationInput",
            rule(A::ReferToMediation),
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "roomId": s.room.to_string() }))
            },
        ),
        m("resolveCase", "CaseStepInput", rule(A::Resolve), |e, aim| {
            (aim != Aim::Mixed).then(|| e.step(aim, "已解决"))
        }),
        m(
            "markCaseUnresolved",
            "CaseStepInput",
            rule(A::MarkUnresolved),
            |e, aim| (aim != Aim::Mixed).then(|| e.step(aim, "无法解决")),
        ),
        m("feedBackCase", "CaseStepInput", rule(A::FeedBack), |e, aim| {
            (aim != Aim::Mixed).then(|| e.step(aim, ""))
        }),
        m(
            "recordFollowUp",
            "RecordFollowUpInput",
            rule(A::FollowUp),
            |e, aim| {
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "method": "PHONE", "responseSpeed": 5, "attitude": 5, "handling": 5, "satisfied": true }))
            },
        ),
        m("closeCase", "CaseStepInput", rule(A::Close), |e, aim| {
            (aim != Aim::Mixed).then(|| e.step(aim, "拒绝回访"))
        }),
        m("reopenCase", "CaseStepInput", rule(A::Reopen), |e, aim| {
            (aim != Aim::Mixed).then(|| e.step(aim, "重新处理"))
        }),
        m(
            "scheduleMediationSession",
            "ScheduleMediationSessionInput",
            rule(A::ScheduleSession),
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "scheduledAt": "2026-12-01T02:00:00Z", "mediatorIds": [s.mediator.to_string()] }))
            },
        ),
        m(
            "recordMediationOutcome",
            "RecordMediationOutcomeInput",
            rule(A::RecordSession),
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "sessionId": x.session.to_string(), "outcome": "NO_AGREEMENT" }))
            },
        ),
        m(
            "escalateMediation",
            "EscalateMediationInput",
            rule(A::EscalateMediation),
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "step": e.step(aim, ""), "roomId": s.room.to_string() }))
            },
        ),
        m(
            "confirmAgreementJudicially",
            "ConfirmAgreementInput",
            rule(A::ConfirmJudicially),
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed)
                    .then(|| json!({ "step": e.step(aim, ""), "sessionId": x.session.to_string() }))
            },
        ),
        m(
            "assignVolunteers",
            "AssignVolunteersInput",
            rule(A::AssignVolunteers),
            |e, aim| {
                let (s, _, _) = e.side(aim);
                // Mixed: side A's case and team, side B's volunteer (personal data out of reach).
                let volunteer = if aim == Aim::Mixed {
                    e.b.volunteer
                } else {
                    s.volunteer
                };
                Some(
                    json!({ "step": e.step(aim, ""), "teamId": s.team.to_string(), "volunteerIds": [volunteer.to_string()], "kind": "PATROL" }),
                )
            },
        ),
        m(
            "acceptVolunteerTask",
            "VolunteerTaskInput",
            &[Role::Volunteer],
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "taskId": x.task.to_string() }))
            },
        ),
        m(
            "declineVolunteerTask",
            "VolunteerTaskInput",
            &[Role::Volunteer],
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "taskId": x.task.to_string() }))
            },
        ),
        m(
            "checkInVolunteerTask",
            "VolunteerTaskInput",
            &[Role::Volunteer],
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed)
                    .then(|| json!({ "taskId": x.task.to_string(), "latitude": 30.27, "longitude": 120.15 }))
            },
        ),
        m(
            "checkOutVolunteerTask",
            "VolunteerTaskInput",
            &[Role::Volunteer],
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "taskId": x.task.to_string() }))
            },
        ),
        m("createEnterprise", "CreateEnterpriseInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "creditCode": credit_code(&format!("91330100MA2W{:05}", e.n)), "name": format!("矩阵企业{}", e.n), "gridId": s.community.to_string() }))
        }),
        // An outline far from anything the matrix reports, so no later report is placed by it.
        m("setGridBoundary", "SetGridBoundaryInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "gridId": s.community.to_string(), "boundary": {
                "type": "Polygon", "coordinates": [[[0.0, 0.0], [0.01, 0.0], [0.01, 0.01], [0.0, 0.01], [0.0, 0.0]]] } }))
        }),
        // Master-data updates at version 1: the first caller in scope applies it, later ones
        // get CONFLICT past every scope check; harmless fields only, so later calls are unaffected.
        // Teams are the district's directory: any citizen may ask to join any team, so only
        // the own aim (the first call registers, later ones are CONFLICT).
        m(
            "registerAsVolunteer",
            "RegisterAsVolunteerInput",
            &[Role::Citizen],
            |e, aim| {
                let (s, _, _) = e.side(aim);
                own_only(aim).then(
                    || json!({ "teamId": s.team.to_string(), "name": "矩阵报名", "phone": "13700009999" }),
                )
            },
        ),
        m("updateEnterprise", "UpdateEnterpriseInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "id": s.enterprise.to_string(), "version": 1, "industry": format!("矩阵{}", e.n) }))
        }),
        m("updateVolunteer", "UpdateVolunteerInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(
                || json!({ "id": s.volunteer.to_string(), "version": 1, "name": format!("矩阵{}", e.n) }),
            )
        }),
        m(
            "updateVolunteerTeam",
            "UpdateVolunteerTeamInput",
            MASTER,
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(
                    || json!({ "id": s.team.to_string(), "version": 1, "alliance": format!("矩阵{}", e.n) }),
                )
            },
        ),
        m("updateGrid", "UpdateGridInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(
                || json!({ "id": s.community.to_string(), "version": 1, "name": format!("矩阵{}", e.n) }),
            )
        }),
        m("updateUnit", "UpdateUnitInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed)
                .then(|| json!({ "id": s.unit.to_string(), "version": 1, "address": format!("矩阵{}", e.n) }))
        }),
        m(
            "updateMediationRoom",
            "UpdateMediationRoomInput",
            MASTER,
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "id": s.room.to_string(), "version": 1, "description": format!("矩阵{}", e.n) }))
            },
        ),
        m("updateMediator", "UpdateMediatorInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(
                || json!({ "id": s.mediator.to_string(), "version": 1, "name": format!("矩阵{}", e.n) }),
            )
        }),
        m("updateReportCode", "UpdateReportCodeInput", MASTER, |e, aim| {
            let (_, x, _) = e.side(aim);
            (aim != Aim::Mixed).then(
                || json!({ "id": x.code_id.to_string(), "version": 1, "label": format!("矩阵{}", e.n) }),
            )
        }),
        m("createGrid", "CreateGridInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "code": format!("MX-{}", e.n), "name": format!("矩阵网格{}", e.n), "level": "CLUSTER", "kind": "COMMUNITY", "parentId": s.community.to_string() }))
        }),
        m(
            "createMediationRoom",
            "CreateMediationRoomInput",
            MASTER,
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "name": format!("矩阵调解室{}", e.n), "level": "COMMUNITY", "gridId": s.community.to_string() }))
            },
        ),
        m("createMediator", "CreateMediatorInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "roomId": s.room.to_string(), "name": format!("矩阵调解员{}", e.n), "kind": "PROFESSIONAL", "languages": ["zh"] }))
        }),
        m("createReportCode", "CreateReportCodeInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed)
                .then(|| json!({ "label": format!("矩阵码{}", e.n), "gridId": s.community.to_string() }))
        }),
        m("createUnit", "CreateUnitInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "code": format!("MXU-{}", e.n), "name": format!("矩阵单位{}", e.n), "kind": "MARKET_SUPERVISION", "gridId": s.community.to_string() }))
        }),
        m("createVolunteer", "CreateVolunteerInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "name": "矩阵志愿者", "phone": "13700009999", "residentId": resident_id(&format!("330106199002{:05}", e.n)), "teamIds": [s.team.to_string()] }))
        }),
        m(
            "createVolunteerTeam",
            "CreateVolunteerTeamInput",
            MASTER,
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "name": format!("矩阵队{}", e.n), "kind": "PATROL", "gridId": s.community.to_string() }))
            },
        ),
        m(
            "awardVolunteerHonour",
            "AwardVolunteerHonourInput",
            MASTER,
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "volunteerId": s.volunteer.to_string(), "title": "见义勇为积极分子", "awardedOn": "2026-11-30" }))
            },
        ),
        m(
            "setReportCodeActive",
            "SetReportCodeActiveInput",
            MASTER,
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "id": x.code_id.to_string(), "active": true }))
            },
        ),
        m(
            "decideDuplicate",
            "DecideDuplicateInput",
            &[Role::Commander, Role::CommunityPolice, Role::Admin],
            |e, aim| {
                let (_, x, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "id": x.link.to_string(), "sameEvent": false }))
            },
        ),
        m("redeliverEvent", "RedeliverEventInput", ADMIN, |e, aim| {
            let (_, x, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "id": x.outbox.to_string() }))
        }),
    ];
    v.push(Mutation {
        district: true,
        ..m("setDeadlinePolicy", "SetDeadlinePolicyInput", MASTER, |_, aim| {
            own_only(aim).then(
                || json!({ "riskColour": "GREEN", "firstResponseMinutes": 30, "resolutionMinutes": 600 }),
            )
        })
    });
    v.push(Mutation {
        district: true,
        ..m("registerClient", "RegisterClientInput", ADMIN, |e, aim| {
            own_only(aim).then(|| json!({ "clientId": format!("matrix-{}", e.n), "name": "矩阵客户端", "rateLimitPerMinute": 60 }))
        })
    });
    v.push(Mutation {
        district: true,
        ..m(
            "registerPersistedOperation",
            "RegisterPersistedOperationInput",
            ADMIN,
            |e, aim| {
                own_only(aim).then(
                    || json!({ "clientId": format!("matrix-op-{}", e.n), "query": "{ viewer { role } }" }),
                )
            },
        )
    });
    v.push(Mutation {
        district: true,
        ..m("registerPlatform", "RegisterPlatformInput", ADMIN, |e, aim| {
            own_only(aim)
                .then(|| json!({ "code": format!("MX-P-{}", e.n), "name": "矩阵平台", "kind": "OTHER" }))
        })
    });
    v.push(Mutation {
        district: true,
        ..m("updatePlatform", "UpdatePlatformInput", ADMIN, |e, aim| {
            let (s, _, _) = e.side(aim);
            (aim != Aim::Mixed).then(|| json!({ "id": s.platform.to_string(), "enabled": true }))
        })
    });
    v.push(Mutation {
        district: true,
        ..m(
            "rotatePlatformSecret",
            "RotatePlatformSecretInput",
            ADMIN,
            |e, aim| {
                let (s, _, _) = e.side(aim);
                (aim != Aim::Mixed).then(|| json!({ "id": s.platform.to_string() }))
            },
        )
    });
    v.push(Mutation {
        anonymous: true,
        ..m("submitPublicReport", "SubmitPublicReportInput", ALL, |e, aim| {
            // Out of scope: a code that does not exist (there is nothing else to reach).
            let code = if aim == Aim::Own {
                e.xa.code.clone()
            } else {
                "zzzzzzzzzz".into()
            };
            (aim != Aim::Mixed).then(|| json!({ "code": code, "description": "路灯不亮" }))
        })
    });
    v.push(Mutation {
        refusal_in: Some("/data/r/results/0/error/code"),
        ..m("syncRecords", "SyncRecordsInput", &[Role::Platform], |e, aim| {
            // Out of scope: renaming the other side's enterprise (no authority to write it).
            let (_, x, _) = e.side(aim);
            Some(match aim {
                Aim::Own => json!({ "cases": [{ "externalId": format!("MX-{}", e.n), "version": 1, "title": "平台警情", "description": "x" }] }),
                _ => json!({ "enterprises": [{ "externalId": format!("MXE-{}", e.n), "version": 1, "creditCode": x.enterprise_code, "name": "改名" }] }),
            })
        })
    });
    v.push(Mutation {
        refusal_in: Some("/data/r/failedRows/0/error/code"),
        ..m("importMasterData", "ImportMasterDataInput", MASTER, |e, aim| {
            let (_, x, _) = e.side(aim);
            let csv = format!("网格编码,名称,层级,类型,上级编码\nMXI-{},导入网格,微网格,社区,{}\n", e.n, x.street_code);
            (aim != Aim::Mixed).then(|| json!({ "kind": "GRIDS", "contentBase64": base64::engine::general_purpose::STANDARD.encode(csv) }))
        })
    });
    // Last: a district-wide caller's mixed coverage (side A's police covering side B's
    // community) is allowed and widens side A's police, which no later call may depend on.
    v.push(m("setPoliceGridCoverage", "SetPoliceGridCoverageInput", MASTER, |e, aim| {
            let (s, _, _) = e.side(aim);
            // Mixed: side A's police grid covering side B's community.
            let community = if aim == Aim::Mixed { e.b.community } else { s.community };
            Some(json!({ "policeGridId": s.police_grid.to_string(), "communityGridIds": [community.to_string()] }))
        }));
    v
}

async fn extra(app: &TestApp, s: &Side, tag: &str, n: u8) -> Extra {
    let db = &app.db;
    let sys = Actor::system();
    let code = service::report_code::create(
        db,
        &sys,
        NewReportCode {
            label: format!("矩阵码{tag}"),
            grid_id: Some(s.community),
            ..Default::default()
        },
    )
    .await
    .expect("report code");
    let assignment = case_assignment::Entity::find()
        .filter(case_assignment::Column::CaseId.eq(s.case))
        .one(db)
        .await
        .expect("assignment query")
        .expect("assignment");
    let session = mediation_session::Entity::find()
        .filter(mediation_session::Column::CaseId.eq(s.case))
        .one(db)
        .await
        .expect("session query")
        .expect("session");
    let task = case_volunteer_task::Entity::find()
        .filter(case_volunteer_task::Column::CaseId.eq(s.case))
        .one(db)
        .await
        .expect("task query")
        .expect("task");
    let now = chrono::Utc::now();
    let link = duplicate_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(s.case),
        other_case_id: Set(s.case),
        reason: Set("matrix".into()),
        status: Set(DuplicateStatus::Pending),
        decided_by: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .expect("duplicate link");
    let outbox = outbox_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(Uuid::now_v7()),
        platform_id: Set(s.platform),
        case_id: Set(s.case),
        seq: Set(1),
        event_type: Set("REPORTED".into()),
        payload: Set("{}".into()),
        status: Set(OutboxStatus::Dead),
        attempts: Set(10),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(Some("matrix".into())),
        created_at: Set(now),
        delivered_at: Set(None),
    }
    .insert(db)
    .await
    .expect("outbox row");
    Extra {
        assignment: assignment.id,
        session: session.id,
        task: task.id,
        code: code.code,
        code_id: code.id,
        link: link.id,
        outbox: outbox.id,
        street_code: format!("{tag}-S"),
        enterprise_code: credit_code(&format!("91330100MA2H0000{n}")),
    }
}

/// Every row of every table but the audit log (which records refusals too), as text.
async fn snapshot(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    let backend = app.db.get_database_backend();
    let tables: Vec<String> = match backend {
        sea_orm::DbBackend::Postgres => {
            let rows = app
                .db
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                ))
                .await
                .expect("tables");
            rows.iter()
                .filter_map(|r| r.try_get::<String>("", "t").ok())
                .collect()
        }
        _ => {
            let rows = app
                .db
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                ))
                .await
                .expect("tables");
            rows.iter()
                .filter_map(|r| r.try_get::<String>("", "t").ok())
                .collect()
        }
    };
    let mut out = BTreeMap::new();
    for t in tables {
        // The audit log records refusals too; rate-limit buckets count every request
        // (refused or not); neither is the data a write may change.
        if t == "audit_events" || t == "seaql_migrations" || t == "rate_buckets" {
            continue;
        }
        let sql = match backend {
            sea_orm::DbBackend::Postgres => format!("SELECT CAST(x AS TEXT) AS r FROM \"{t}\" x"),
            _ => {
                let cols = app
                    .db
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!("SELECT name AS c FROM pragma_table_info('{t}')"),
                    ))
                    .await
                    .expect("columns");
                let row: Vec<String> = cols
                    .iter()
                    .filter_map(|r| r.try_get::<String>("", "c").ok())
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect();
                format!("SELECT {} AS r FROM \"{t}\"", row.join(" || '|' || "))
            }
        };
        let rows = app
            .db
            .query_all_raw(Statement::from_string(backend, sql.clone()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let mut v: Vec<String> = rows
            .iter()
            .map(|r| {
                r.try_get::<Option<String>>("", "r")
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            })
            .collect();
        v.sort();
        out.insert(t, v);
    }
    out
}

async fn version(app: &TestApp, id: Uuid) -> i32 {
    case::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .ok()
        .flatten()
        .map(|c| c.version)
        .unwrap_or(0)
}

const REFUSALS: [&str; 3] = ["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"];

#[tokio::test]
async fn every_role_against_every_mutation_in_and_out_of_scope() {
    let app = TestApp::spawn_with(|c| {
        c.security.rate_anonymous_per_min = 100_000;
        c.security.rate_actor_per_min = 100_000;
        c.security.rate_address_per_min = 100_000;
    })
    .await;
    let w = world(&app.db).await;
    let xa = extra(&app, &w.a, "A", 1).await;
    let xb = extra(&app, &w.b, "B", 2).await;
    let mut env = Env {
        a: &w.a,
        b: &w.b,
        xa,
        xb,
        versions: (0, 0),
        n: 0,
    };
    let mut who: Vec<Who> = vec![Who::Side(Role::Anonymous)];
    who.extend(Role::TOKEN_ROLES.iter().map(|r| Who::Side(*r)));
    who.push(Who::District(Role::Commander));
    who.push(Who::District(Role::Admin));
    let counter = AtomicUsize::new(0);
    let mut calls = 0;
    let mut wrong = Vec::new();
    let mutations = mutations();
    for m in &mutations {
        for w_ in &who {
            let token = match *w_ {
                Who::Side(Role::Anonymous) => None,
                Who::Side(r) => {
                    let (sub, scope) = persona(r, &w.a);
                    Some(app.token(r, &sub, scope))
                }
                Who::District(r) => {
                    Some(app.token(r, &format!("district-{}", r.as_str()), Scope::district()))
                }
            };
            for aim in [Aim::Own, Aim::Other, Aim::Mixed] {
                env.n = counter.fetch_add(1, Ordering::SeqCst);
                env.versions = (version(&app, w.a.case).await, version(&app, w.b.case).await);
                let Some(input) = (m.input)(&env, aim) else {
                    continue;
                };
                let role = w_.role();
                let district = matches!(w_, Who::District(_));
                // What the rules say this call gets.
                let expected: Option<&str> = if role == Role::Anonymous && !m.anonymous {
                    Some("UNAUTHENTICATED")
                } else if (role != Role::Anonymous && !m.roles.contains(&role) && !m.anonymous)
                    || (m.district && !district)
                {
                    Some("FORBIDDEN")
                } else if (aim != Aim::Own || m.own_out_of_reach.contains(&role)) && !district {
                    Some(if m.refusal_in.is_some() && m.field == "syncRecords" {
                        "FORBIDDEN"
                    } else {
                        "NOT_FOUND"
                    })
                } else if aim != Aim::Own && m.anonymous {
                    Some("NOT_FOUND")
                } else {
                    None
                };
                let before = if expected.is_some() {
                    Some(snapshot(&app).await)
                } else {
                    None
                };
                let q = format!(
                    "mutation($i: {}!) {{ r: {}(input: $i) {{ __typename }} }}",
                    m.input_type, m.field
                );
                let doc = if m.field == "syncRecords" {
                    "mutation($i: SyncRecordsInput!) { r: syncRecords(input: $i) { results { error { code } } } }".to_owned()
                } else if m.field == "importMasterData" {
                    "mutation($i: ImportMasterDataInput!) { r: importMasterData(input: $i) { failedRows { error { code } } } }".to_owned()
                } else {
                    q
                };
                let (_, body) = app
                    .gql_status(token.as_deref(), &doc, json!({ "i": input }))
                    .await;
                calls += 1;
                let got = match (error_code(&body), m.refusal_in) {
                    (Some(c), _) => Some(c),
                    (None, Some(ptr)) => body.pointer(ptr).and_then(Value::as_str).map(str::to_owned),
                    (None, None) => None,
                };
                let label = format!("{} as {:?} aimed {:?}", m.field, w_, aim);
                match expected {
                    Some(e) => {
                        if got.as_deref() != Some(e) {
                            wrong.push(format!("{label}: expected {e}, got {got:?}: {body}"));
                        }
                        if let Some(before) = before {
                            let after = snapshot(&app).await;
                            if before != after {
                                let changed: Vec<&String> =
                                    after.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
                                wrong.push(format!("{label}: refused but changed {changed:?}"));
                            }
                        }
                    }
                    None => {
                        if let Some(c) = got
                            .as_deref()
                            .filter(|c| REFUSALS.contains(c) || *c == "INTERNAL" || *c == "RATE_LIMITED")
                        {
                            wrong.push(format!("{label}: in scope but refused with {c}: {body}"));
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "write access matrix: {} mutations x {} callers, {calls} calls",
        mutations.len(),
        who.len()
    );
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Every mutation of the schema is in the matrix.
    let sdl = fengqiao_api::graphql::sdl();
    let start = sdl.find("type MutationRoot {").expect("mutation type");
    let end = sdl[start..].find("\n}").map_or(sdl.len(), |e| start + e);
    let mut missing = Vec::new();
    for line in sdl[start..end].lines() {
        // A field starts one tab in: `\tname(` (arguments and descriptions sit deeper).
        let Some(rest) = line.strip_prefix('\t').filter(|r| !r.starts_with('\t')) else {
            continue;
        };
        let Some((name, _)) = rest.split_once('(') else {
            continue;
        };
        if name.chars().all(|c| c.is_ascii_alphanumeric()) && !mutations.iter().any(|m| m.field == name) {
            missing.push(name.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "mutations missing from the write matrix: {missing:?}"
    );
}
