//! The audit log for administrators: a query, and a CSV export.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, ID};
use axum::{
    body::Body,
    extract::{ConnectInfo, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use entity::audit_event;
use futures_util::StreamExt;
use sea_orm::{QueryOrder, TransactionTrait};

use super::{actor, db, id, limits, page_args, parse_id};
use crate::{
    app::AppState,
    auth::Role,
    connection,
    error::code,
    export::{csv_field, stream_from},
    request::RequestInfo,
    service::{
        self,
        audit::{Action, AuditFilter, Entry},
    },
};

/// One audit record: who, through which client, when, what, on which object, and the outcome. It never holds personal values.
pub struct AuditEvent(pub audit_event::Model);

/// One audit record: who, through which client, when, what, on which object, and the outcome. It never holds personal values.
#[Object]
impl AuditEvent {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Request id, as quoted in error messages and logs.
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
    /// Token subject of the actor.
    async fn actor_subject(&self) -> Option<&str> {
        self.0.actor_subject.as_deref()
    }
    /// Role of the actor.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// Registered client the request came through.
    async fn client_id(&self) -> Option<&str> {
        self.0.client_id.as_deref()
    }
    /// Mutation root field, or `reveal`.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// MUTATION, REVEAL, EXPORT, CHANGE (a master-data record changed; see `changes`) or
    /// DOWNLOAD (an evidence file or its thumbnail was fetched; `reason` names a signed URL's signer).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Type of the object concerned.
    async fn object_type(&self) -> Option<&str> {
        self.0.object_type.as_deref()
    }
    /// Id of the object concerned.
    async fn object_id(&self) -> Option<ID> {
        self.0.object_id.map(id)
    }
    /// Field concerned (reveals).
    async fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }
    /// Reason stated (reveals).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// OK, DENIED, REJECTED or ERROR.
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
    /// For a CHANGE: a JSON object `{"before": {...}, "after": {...}}` holding only the fields
    /// that changed, by their GraphQL names, personal values masked; null otherwise.
    async fn changes(&self) -> Option<&str> {
        self.0.changes.as_deref()
    }
    /// Error code when not OK.
    async fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }
}

connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    audit_event::Entity,
    "A page of audit records.",
    "An audit record with its cursor."
);

/// Filters for the audit log.
#[derive(InputObject, Default)]
pub struct AuditFilterInput {
    /// By actor subject.
    pub actor_subject: Option<String>,
    /// MUTATION, REVEAL, EXPORT, CHANGE or DOWNLOAD.
    pub action: Option<String>,
    /// By object id.
    pub object_id: Option<ID>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilterInput {
    fn into_service(self) -> async_graphql::Result<AuditFilter> {
        Ok(AuditFilter {
            actor_subject: self.actor_subject,
            action: self.action,
            object_id: self
                .object_id
                .as_ref()
                .map(|i| parse_id("filter.objectId", i))
                .transpose()?,
            from: self.from,
            to: self.to,
        })
    }
}

/// Audit root fields.
#[derive(Default)]
pub struct AuditQuery;

/// Audit root fields.
#[Object]
impl AuditQuery {
    /// The audit log, newest first (administrators only; export as CSV at /admin/audit.csv).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<AuditFilterInput>,
    ) -> async_graphql::Result<AuditEventConnection> {
        let f = filter.unwrap_or_default().into_service()?;
        let l = service::audit::list(
            db(ctx)?,
            actor(ctx)?,
            &f,
            &page_args(first, after, last, before),
            limits(ctx)?,
        )
        .await?;
        Ok(AuditEventConnection::from_listing(l, AuditEvent))
    }
}

/// `GET /admin/audit.csv`: the whole audit log as CSV (UTF-8 with BOM), streamed; admins only.
pub async fn export_csv(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let rid = uuid::Uuid::now_v7().to_string();
    let actor = match crate::export::authenticate(&app, &headers, &rid).await {
        Ok(a) if a.role == Role::Admin => a,
        Ok(_) => {
            return crate::http::error_response(
                StatusCode::FORBIDDEN,
                code::FORBIDDEN,
                "administrators only",
                &rid,
            )
        }
        Err(r) => return r,
    };
    let info = RequestInfo::new(rid.clone(), None, addr.ip());
    let entry = Entry {
        operation: "exportAuditLog",
        action: Action::Export,
        object_type: None,
        object_id: None,
        field: None,
        reason: None,
        outcome: "OK",
        error_code: None,
    };
    if let Err(e) = service::audit::record(&app.db, &actor, &info, entry).await {
        tracing::error!(error = %e, "could not audit the export");
        return crate::http::error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL,
            "internal error",
            &rid,
        );
    }
    let db = app.db.clone();
    let stream = async_stream_rows(db, actor);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

fn async_stream_rows(
    db: sea_orm::DatabaseConnection,
    actor: Arc<crate::auth::Actor>,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> + Send {
    let header = "\u{feff}at,request_id,actor_subject,actor_role,client_id,operation,action,object_type,object_id,field,reason,outcome,error_code\n".to_owned();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(64);
    tokio::spawn(async move {
        if tx.send(Ok(header)).await.is_err() {
            return;
        }
        let q = match service::visible::<audit_event::Entity, _>(&db, &actor).await {
            Ok(q) => q.order_by_asc(audit_event::Column::Id),
            Err(e) => {
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                return;
            }
        };
        let conn = match db.begin().await {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                return;
            }
        };
        let mut rows = match q.stream(&conn).await {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                return;
            }
        };
        while let Some(row) = rows.next().await {
            let line = match row {
                Ok(m) => {
                    let opt = |v: &Option<String>| csv_field(v.as_deref().unwrap_or(""));
                    format!(
                        "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                        csv_field(&m.at.to_rfc3339()),
                        csv_field(&m.request_id),
                        opt(&m.actor_subject),
                        csv_field(&m.actor_role),
                        opt(&m.client_id),
                        csv_field(&m.operation),
                        csv_field(&m.action),
                        opt(&m.object_type),
                        csv_field(&m.object_id.map(|u| u.to_string()).unwrap_or_default()),
                        opt(&m.field),
                        opt(&m.reason),
                        csv_field(&m.outcome),
                        opt(&m.error_code),
                    )
                }
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            if tx.send(Ok(line)).await.is_err() {
                return;
            }
        }
    });
    stream_from(rx)
}
