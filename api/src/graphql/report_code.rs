//! Report codes (民情码): staff manage and list them; anyone may read an active code's public
//! face, submit a report through it and track that report with its token.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::{enterprise, grid, mediation_room, report_code};

use crate::{
    connection,
    graphql::{
        actor, db,
        enterprise::types::Enterprise,
        enums::{CaseStatus, TimelineKind},
        grid::types::Grid,
        id, limits, loader, lookup_id,
        mediation_room::types::MediationRoom,
        page_args, parse_id,
    },
    service::{
        self,
        report_code::{self as svc, NewReportCode, PublicSubmission, ReportCodeFilter},
    },
};

/// A QR report code (民情码 / 解纷码) posted at a place, grid, mediation room or enterprise.
pub struct ReportCode(pub report_code::Model);

/// A QR report code (民情码 / 解纷码) posted at a place, grid, mediation room or enterprise.
#[Object]
impl ReportCode {
    /// Bumped by every change; send it back as `version` with `updateReportCode` (a stale one is CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The short random code in the page's address (`/r/{code}`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Label on the poster, e.g. 武林路12号路灯.
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// Where it is posted.
    async fn place(&self) -> Option<&str> {
        self.0.place.as_deref()
    }
    /// False once switched off: its page answers 404 and takes no reports.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Path of the public report page, relative to the service's public base URL.
    async fn page_path(&self) -> String {
        format!("/r/{}", self.0.code)
    }
    /// Path of the printable QR code as SVG.
    async fn qr_svg_path(&self) -> String {
        format!("/r/{}/qr.svg", self.0.code)
    }
    /// Path of the printable QR code as PNG.
    async fn qr_png_path(&self) -> String {
        format!("/r/{}/qr.png", self.0.code)
    }
    /// Grid reports through this code belong to.
    async fn grid(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grid>> {
        Ok(loader::one::<grid::Entity>(ctx, self.0.grid_id).await?.map(Grid))
    }
    /// Mediation room reports through this code are referred to.
    async fn room(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MediationRoom>> {
        Ok(loader::one::<mediation_room::Entity>(ctx, self.0.room_id)
            .await?
            .map(MediationRoom))
    }
    /// Enterprise the code is posted at (null when outside the caller's scope).
    async fn enterprise(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enterprise>> {
        Ok(loader::one::<enterprise::Entity>(ctx, self.0.enterprise_id)
            .await?
            .map(Enterprise))
    }
}

connection!(
    ReportCodeConnection,
    ReportCodeEdge,
    ReportCode,
    report_code::Entity,
    "A page of report codes.",
    "A report code with its cursor."
);

/// What anyone who scans an active code may know about it.
#[derive(SimpleObject)]
pub struct PublicReportCode {
    /// The short code.
    pub code: String,
    /// Label on the poster.
    pub label: String,
    /// Where it is posted.
    pub place: Option<String>,
    /// Name of its grid.
    pub grid_name: Option<String>,
}

/// One public step of a tracked report: what happened, the status after it, when.
#[derive(SimpleObject)]
pub struct PublicTimelineEntry {
    /// What happened.
    pub kind: TimelineKind,
    /// Status after this step, when it changed the status.
    pub status: Option<CaseStatus>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

/// A report as its anonymous reporter sees it through the tracking token: no description,
/// no notes, no people.
#[derive(SimpleObject)]
pub struct PublicReport {
    /// Human tracking number, e.g. FQ20261123000042.
    pub tracking_number: String,
    /// Where the report is in the closed loop.
    pub status: CaseStatus,
    /// When it was reported.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The public steps, in order.
    pub timeline: Vec<PublicTimelineEntry>,
    /// The photos sent with the report (only those: files staff added later are not shown).
    pub files: Vec<PublicFile>,
}

/// A photo of a tracked report, as its reporter sees it.
#[derive(SimpleObject)]
pub struct PublicFile {
    /// MIME type (from the bytes).
    pub content_type: String,
    /// Size in bytes, after metadata removal.
    pub size_bytes: i64,
    /// Signed path of the photo, valid for 5 minutes (ask again for a fresh one).
    pub url: String,
    /// Signed path of a small JPEG preview; null for HEIC photos.
    pub thumbnail_url: Option<String>,
}

impl PublicReport {
    /// The GraphQL form of `r`, with file paths signed by `files` for the token's holder.
    fn new(r: svc::PublicReport, files: &crate::service::attachment::Files) -> Self {
        let shown = r
            .files
            .iter()
            .map(|a| PublicFile {
                content_type: a.content_type.clone(),
                size_bytes: a.size_bytes,
                url: files.signed_path(a.id, false, "tracking"),
                thumbnail_url: a
                    .thumbnail_key
                    .as_ref()
                    .map(|_| files.signed_path(a.id, true, "tracking")),
            })
            .collect();
        PublicReport {
            files: shown,
            tracking_number: r.tracking_number,
            status: r.status.into(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            timeline: r
                .timeline
                .into_iter()
                .map(|s| PublicTimelineEntry {
                    kind: s.kind.into(),
                    status: s.status.map(Into::into),
                    created_at: s.at,
                })
                .collect(),
        }
    }
}

/// Filters for report code lists.
#[derive(InputObject, Default)]
pub struct ReportCodeFilterInput {
    /// Only active (true) or inactive (false) codes.
    pub active: Option<bool>,
    /// Codes of this grid's subtree.
    pub grid_id: Option<ID>,
    /// Codes posted at this enterprise.
    pub enterprise_id: Option<ID>,
    /// Codes of this mediation room.
    pub room_id: Option<ID>,
    /// Text in label, place or code.
    pub text: Option<String>,
}

/// Report code root fields.
#[derive(Default)]
pub struct ReportCodeQuery;

#[Object]
impl ReportCodeQuery {
    /// Report codes, newest first (signed-in callers).
    async fn report_codes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<ReportCodeFilterInput>,
    ) -> async_graphql::Result<ReportCodeConnection> {
        let f = filter.unwrap_or_default();
        let opt = |n: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(n, i)).transpose();
        let filter = ReportCodeFilter {
            active: f.active,
            grid: opt("filter.gridId", &f.grid_id)?,
            enterprise: opt("filter.enterpriseId", &f.enterprise_id)?,
            room: opt("filter.roomId", &f.room_id)?,
            text: f.text,
        };
        let l = svc::list(
            db(ctx)?,
            actor(ctx)?,
            &filter,
            &page_args(first, after, last, before),
            limits(ctx)?,
        )
        .await?;
        Ok(ReportCodeConnection::from_listing(l, ReportCode))
    }

    /// One report code by id (signed-in callers).
    async fn report_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Report code id.")] id: ID,
    ) -> async_graphql::Result<ReportCode> {
        Ok(ReportCode(
            service::get::<report_code::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?,
        ))
    }

    /// One report code by its short code (signed-in callers).
    async fn report_code_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The short code, as in /r/{code}.")] code: String,
    ) -> async_graphql::Result<ReportCode> {
        Ok(ReportCode(svc::by_code(db(ctx)?, actor(ctx)?, &code).await?))
    }

    /// The public face of an active code, for a mini-program that scanned it (no sign-in
    /// needed); NOT_FOUND for unknown and inactive codes.
    async fn public_report_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The short code, as in /r/{code}.")] code: String,
    ) -> async_graphql::Result<PublicReportCode> {
        let c = svc::public_by_code(db(ctx)?, &code).await?;
        Ok(PublicReportCode {
            code: c.code,
            label: c.label,
            place: c.place,
            grid_name: c.grid_name,
        })
    }

    /// A report made through a report code, by its tracking token (no sign-in needed):
    /// status and public timeline only. NOT_FOUND for any other token.
    async fn track_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tracking token given once when the report was submitted.")] token: String,
    ) -> async_graphql::Result<PublicReport> {
        Ok(PublicReport::new(
            svc::track(db(ctx)?, &token).await?,
            &super::store(ctx)?.files,
        ))
    }
}

/// A new report code.
#[derive(InputObject)]
pub struct CreateReportCodeInput {
    /// Label on the poster (1–100 characters).
    pub label: String,
    /// Where it is posted (at most 200 characters).
    pub place: Option<String>,
    /// Grid reports through it belong to.
    pub grid_id: Option<ID>,
    /// Mediation room reports through it are referred to (解纷码).
    pub room_id: Option<ID>,
    /// Enterprise it is posted at.
    pub enterprise_id: Option<ID>,
    /// A key (8–100 characters, e.g. a UUID made once per form submission) that makes the call
    /// safe to retry: a retry with the same key and input answers the record the first call
    /// created; the same key with another input is IDEMPOTENCY_KEY_REUSED. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `createReportCode`.
#[derive(SimpleObject)]
pub struct CreateReportCodePayload {
    /// The new, active code with its random short code.
    pub report_code: ReportCode,
}

/// Switches a code on or off.
#[derive(InputObject)]
pub struct SetReportCodeActiveInput {
    /// Report code id.
    pub id: ID,
    /// True to accept reports, false to stop.
    pub active: bool,
}

/// Result of `setReportCodeActive`.
#[derive(SimpleObject)]
pub struct SetReportCodeActivePayload {
    /// The code after the change.
    pub report_code: ReportCode,
}

/// A report through a code, from someone without an account (photos go through the web page).
#[derive(InputObject)]
pub struct SubmitPublicReportInput {
    /// The short code that was scanned.
    pub code: String,
    /// Short title (at most 200 characters); taken from the description when absent.
    pub title: Option<String>,
    /// What is wrong (1–4000 characters).
    pub description: String,
    /// Phone number for a call back (mainland, or foreign with + and its country code); never shown publicly.
    pub phone: Option<String>,
    /// Latitude (WGS 84, −90 to 90); give both coordinates or neither.
    pub latitude: Option<f64>,
    /// Longitude (WGS 84, −180 to 180).
    pub longitude: Option<f64>,
    /// A random key of at least 22 characters (a UUID), made once per report, that makes the
    /// submission safe to retry: a retry with the same key and content answers the same
    /// tracking number and token instead of filing the report twice. Kept for 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `submitPublicReport`.
#[derive(SimpleObject)]
pub struct SubmitPublicReportPayload {
    /// Human tracking number of the new case.
    pub tracking_number: String,
    /// Status of the new case (REPORTED).
    pub status: CaseStatus,
    /// The token for `trackReport` and `/t/{token}`. Shown only now (and to a retry with the
    /// same idempotency key): the service keeps only its hash.
    pub tracking_token: String,
}

/// Report code mutations.
#[derive(Default)]
pub struct ReportCodeMutation;

#[Object]
impl ReportCodeMutation {
    /// Changes a report code's label or place, or switches it off (its page then answers NOT_FOUND; reports already made stay). Admins and commanders, within their jurisdiction; versioned like
    /// cases, and recorded in the audit log with the fields before and after (CHANGE).
    /// An update that changes nothing is BAD_USER_INPUT.
    async fn update_report_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdateReportCodeInput,
    ) -> async_graphql::Result<UpdateReportCodePayload> {
        let u = crate::service::report_code::ReportCodeUpdate {
            id: crate::graphql::parse_id("input.id", &input.id)?,
            version: input.version,
            label: input.label,
            place: crate::graphql::patch(input.place),
            active: input.active,
        };
        let m = crate::service::report_code::update(
            crate::graphql::db(ctx)?,
            crate::graphql::actor(ctx)?,
            crate::graphql::request(ctx)?,
            u,
        )
        .await?;
        Ok(UpdateReportCodePayload {
            report_code: ReportCode(m),
        })
    }

    /// Creates a report code (admins and commanders).
    async fn create_report_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CreateReportCodeInput,
    ) -> async_graphql::Result<CreateReportCodePayload> {
        let opt = |n: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(n, i)).transpose();
        let new = NewReportCode {
            label: input.label,
            place: input.place,
            grid_id: opt("input.gridId", &input.grid_id)?,
            room_id: opt("input.roomId", &input.room_id)?,
            enterprise_id: opt("input.enterpriseId", &input.enterprise_id)?,
        };
        Ok(CreateReportCodePayload {
            report_code: ReportCode(
                svc::create_once(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?,
            ),
        })
    }

    /// Switches a report code on or off (admins and commanders).
    async fn set_report_code_active(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: SetReportCodeActiveInput,
    ) -> async_graphql::Result<SetReportCodeActivePayload> {
        let id = parse_id("input.id", &input.id)?;
        Ok(SetReportCodeActivePayload {
            report_code: ReportCode(svc::set_active(db(ctx)?, actor(ctx)?, id, input.active).await?),
        })
    }

    /// Submits a report through a report code; no sign-in needed. Answers the tracking token
    /// once.
    async fn submit_public_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: SubmitPublicReportInput,
    ) -> async_graphql::Result<SubmitPublicReportPayload> {
        let s = svc::submit_public_report(
            super::store(ctx)?,
            false,
            &input.code,
            PublicSubmission {
                title: input.title,
                description: input.description,
                phone: input.phone,
                photo: None,
                latitude: input.latitude,
                longitude: input.longitude,
                idempotency_key: input.idempotency_key,
            },
        )
        .await?;
        Ok(SubmitPublicReportPayload {
            tracking_number: s.case.tracking_number,
            status: s.case.status.into(),
            tracking_token: s.token,
        })
    }
}

/// A change to a report code: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateReportCodeInput {
    /// The report code to change; one of your jurisdiction, else NOT_FOUND.
    pub id: ID,
    /// The `version` you read; if it moved since, CONFLICT (field `input.version`): reload and retry.
    pub version: i32,
    /// Label shown on the page (1–100 characters).
    pub label: Option<String>,
    /// Where it is posted (up to 200 characters); null clears it.
    pub place: async_graphql::MaybeUndefined<String>,
    /// False switches the code off.
    pub active: Option<bool>,
}

/// Result of `updateReportCode`.
#[derive(SimpleObject)]
pub struct UpdateReportCodePayload {
    /// The report code after the change, with its new `version` for the next update.
    pub report_code: ReportCode,
}
