//! Case mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, Upload, ID};
use chrono::{DateTime, Utc};

use super::types::Case;
use crate::{
    graphql::{actor, enums::*, parse_id, store},
    service::case::{NewParty, NewReport},
};

/// A person named in a report.
#[derive(InputObject)]
pub struct PartyInput {
    /// Role in the case.
    pub role: PartyRole,
    /// Name (1–64 characters).
    pub name: String,
    /// Phone number: a mainland number (mobile `13812345678`, landline `0571-87000110`, with or
    /// without +86), or a foreign one with + (or 00) and its country code (`+962 79 123 4567`),
    /// checked by that country's rules and stored in E.164.
    pub phone: Option<String>,
    /// Resident ID number (GB 11643, checked).
    pub resident_id: Option<String>,
    /// A passport or other identity document, for a party without a mainland resident ID
    /// (not with `residentId`).
    pub id_document: Option<IdDocumentInput>,
    /// Address.
    pub address: Option<String>,
}

/// An identity document other than the mainland resident ID.
#[derive(InputObject)]
pub struct IdDocumentInput {
    /// What kind of document.
    pub kind: IdDocumentKind,
    /// Its number: 5–20 Latin letters and digits (spaces and hyphens are dropped, letters upper-cased).
    pub number: String,
    /// The issuing country as ISO 3166-1 alpha-3 (JOR, USA), as printed in the passport.
    pub country: String,
}

/// What a reporter tells about a new case.
#[derive(InputObject)]
pub struct ReportCaseInput {
    /// Kind; defaults to POLICE_INCIDENT (ENTERPRISE_CASE for enterprise liaisons).
    pub kind: Option<CaseKind>,
    /// Finer category.
    pub category: Option<CaseCategory>,
    /// Short title (1–200 characters).
    pub title: String,
    /// What happened (1–4000 characters).
    pub description: String,
    /// The channel the report came through. Only community police, commanders, admins and
    /// platforms (who relay calls and other systems) may state it; from any other role it is
    /// BAD_USER_INPUT. Left out, the role decides it (a citizen's or volunteer's report is
    /// MINI_PROGRAM, a grid worker's GRID_WORKER, an enterprise liaison's ENTERPRISE_PORTAL).
    pub source: Option<CaseSource>,
    /// Reporter's name.
    pub reporter_name: Option<String>,
    /// Reporter's phone number: mainland, or foreign with + and its country code (see `PartyInput.phone`).
    pub reporter_phone: Option<String>,
    /// Where it happened.
    pub address: Option<String>,
    /// Latitude (−90 to 90) in `coordinateSystem`; give both coordinates or neither. Without
    /// `gridId` (and an enterprise with a grid), the position places the case: in the smallest
    /// community grid whose boundary contains it, or, outside every boundary, in the district's
    /// triage queue (`Case.placement` tells which). Stored and answered in WGS-84.
    pub latitude: Option<f64>,
    /// Longitude (−180 to 180) in `coordinateSystem`.
    pub longitude: Option<f64>,
    /// The system `latitude`/`longitude` are in; default WGS84. A mini-program that calls
    /// `wx.getLocation({ type: 'gcj02' })` or uses Tencent/AMap sends GCJ02, Baidu BD09: sent as
    /// WGS84 such a position is off by several hundred metres and may land in the wrong grid.
    pub coordinate_system: Option<CoordinateSystem>,
    /// Grid it happened in; overrides placement by position. Only a grid the caller may read.
    pub grid_id: Option<ID>,
    /// Enterprise concerned, by id: only one the caller may read (an enterprise liaison's own
    /// enterprise by default); any other id is NOT_FOUND.
    pub enterprise_id: Option<ID>,
    /// Enterprise concerned, by its 18-character unified social credit code (public, printed
    /// on its business licence): lets a citizen name a shop they cannot read. The case is
    /// linked to it for the staff who handle it; the reporter still cannot read the
    /// enterprise (`Case.enterprise` stays null for them). Not with `enterpriseId`.
    pub enterprise_credit_code: Option<String>,
    /// When it happened (not in the future).
    pub occurred_at: Option<DateTime<Utc>>,
    /// People involved (at most 50).
    pub parties: Option<Vec<PartyInput>>,
    /// Photos (随手拍) or documents sent in this request through the GraphQL multipart request
    /// spec (see `attachToCase`). A report with no latitude and longitude of its own takes the
    /// position a photo's EXIF carried (`locationFromPhoto` says so; a given `gridId` still
    /// decides the grid); the photo itself is stored without it.
    pub files: Option<Vec<Upload>>,
    /// Ids answered by `POST /uploads`: the caller's own, within 24 hours, each attached once.
    /// With `files`, at most 10 in all.
    pub upload_ids: Option<Vec<ID>>,
    /// A key (8–100 characters, e.g. a UUID the client makes once per report) that makes the
    /// call safe to retry: a retry with the same key and input answers the first call's case
    /// and files nothing new (also while the first is still running); the same key with a
    /// different input is IDEMPOTENCY_KEY_REUSED. Keys are kept for 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `reportCase`.
#[derive(SimpleObject)]
pub struct ReportCasePayload {
    /// The new case, status REPORTED, with its tracking number.
    pub case: Case,
    /// The report had no position and took the one a photo carried: show it to the reporter
    /// so they can correct it if the photo was taken elsewhere.
    pub location_from_photo: bool,
}

/// Case mutations.
#[derive(Default)]
pub struct CaseMutation;

#[Object]
impl CaseMutation {
    /// Reports a new case (citizen, grid worker, officer, volunteer, enterprise liaison, platform).
    async fn report_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: ReportCaseInput,
    ) -> async_graphql::Result<ReportCasePayload> {
        let opt = |f: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(f, i)).transpose();
        let report = NewReport {
            kind: input.kind.map(Into::into),
            category: input.category.map(Into::into),
            title: input.title,
            description: input.description,
            source: input.source.map(Into::into),
            reporter_name: input.reporter_name,
            reporter_phone: input.reporter_phone,
            address: input.address,
            latitude: input.latitude,
            longitude: input.longitude,
            coordinate_system: input.coordinate_system.map(Into::into),
            grid_id: opt("input.gridId", &input.grid_id)?,
            enterprise_id: opt("input.enterpriseId", &input.enterprise_id)?,
            enterprise_credit_code: input.enterprise_credit_code,
            idempotency_key: input.idempotency_key,
            occurred_at: input.occurred_at,
            parties: input
                .parties
                .unwrap_or_default()
                .into_iter()
                .map(|p| NewParty {
                    role: p.role.into(),
                    name: p.name,
                    phone: p.phone,
                    resident_id: p.resident_id,
                    id_document: p.id_document.map(|d| (d.kind.into(), d.number, d.country)),
                    address: p.address,
                })
                .collect(),
        };
        let evidence = super::attachment::evidence(ctx, input.files, input.upload_ids)?;
        let r =
            crate::service::case::report_with_evidence(store(ctx)?, actor(ctx)?, report, evidence).await?;
        Ok(ReportCasePayload {
            case: Case(r.case),
            location_from_photo: r.location_from_photo,
        })
    }
}
