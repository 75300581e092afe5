//! Evidence files on a case: `attachToCase`, and reading the files a GraphQL multipart request
//! carried (the `Upload` scalar of the GraphQL multipart request spec).

use async_graphql::{Context, InputObject, Object, SimpleObject, Upload, ID};

use super::types::Case;
use crate::{
    graphql::{actor, parse_id, parse_ids, store},
    service::attachment::{self, AttachInput, Evidence, Incoming},
};

/// The files and earlier uploads of a write, as the service takes them.
pub fn evidence(
    ctx: &Context<'_>,
    files: Option<Vec<Upload>>,
    upload_ids: Option<Vec<ID>>,
) -> async_graphql::Result<Evidence> {
    let files = files
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            let v = u.value(ctx).map_err(|_| {
                crate::error::AppError::bad_input(
                    format!("input.files[{i}]"),
                    "not a file of this request: send files as a GraphQL multipart request",
                )
            })?;
            Ok(Incoming {
                name: Some(v.filename),
                bytes: v.content,
            })
        })
        .collect::<async_graphql::Result<Vec<_>>>()?;
    Ok(Evidence {
        files,
        upload_ids: parse_ids("input.uploadIds", &upload_ids.unwrap_or_default())?,
    })
}

/// Files to add to a case.
#[derive(InputObject)]
pub struct AttachToCaseInput {
    /// The case: one the caller can see (any other id is NOT_FOUND), not closed.
    pub case_id: ID,
    /// Files sent in this request through the GraphQL multipart request spec (a
    /// `multipart/form-data` POST to `/graphql` with `operations`, `map` and the files, plus an
    /// `X-Client-Id` or `X-Requested-With` header). Photos (JPEG, PNG, WebP, HEIC) and PDFs,
    /// typed by their bytes; at most 10 MiB each by default; EXIF and other metadata are
    /// removed from photos before storage.
    pub files: Option<Vec<Upload>>,
    /// Ids answered by `POST /uploads` (the two-step upload of `wx.uploadFile` and form
    /// widgets): only the caller's own, within 24 hours, each attached once.
    pub upload_ids: Option<Vec<ID>>,
    /// A note for the timeline entry (at most 2000 characters), e.g. what the photo shows.
    pub note: Option<String>,
    /// A key (8–100 characters) that makes the call safe to retry: a retry with the same key
    /// and the same files answers the first call and attaches nothing twice.
    pub idempotency_key: Option<String>,
}

/// Result of `attachToCase`.
#[derive(SimpleObject)]
pub struct AttachToCasePayload {
    /// The case after the step; `attachments` lists the new files with the others, and the
    /// timeline ends with an ATTACHED entry naming them.
    pub case: Case,
}

/// Evidence mutations.
#[derive(Default)]
pub struct AttachmentMutation;

#[Object]
impl AttachmentMutation {
    /// Attaches photos or documents to a case (随手拍 after the report, a mediation agreement,
    /// a certificate): every role that can see the case, in its scope. Refused files leave
    /// nothing behind: FILE_TOO_LARGE (a file over the cap, or the case over 20 files or
    /// 50 MiB), UNSUPPORTED_FILE_TYPE (bytes of another type, whatever the name says),
    /// QUOTA_EXCEEDED (the account's 24-hour allowance), each with `extensions.field`.
    async fn attach_to_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: AttachToCaseInput,
    ) -> async_graphql::Result<AttachToCasePayload> {
        let case_id = parse_id("input.caseId", &input.case_id)?;
        let evidence = evidence(ctx, input.files, input.upload_ids)?;
        let m = attachment::attach(
            store(ctx)?,
            actor(ctx)?,
            AttachInput {
                case_id,
                evidence,
                note: input.note,
                idempotency_key: input.idempotency_key,
            },
        )
        .await?;
        Ok(AttachToCasePayload { case: Case(m) })
    }
}
