//! CSV exports for spreadsheets: `GET /export/cases.csv` (the case list) and
//! `GET /export/statistics.csv` (the `caseStatistics` groups), plus the CSV helpers shared
//! with `/admin/audit.csv`.
//!
//! Every export is UTF-8 with a byte-order mark (so Excel reads the Chinese), quotes every
//! cell and defuses spreadsheet formulas, authenticates the bearer token as `/admin/audit.csv`
//! does, is written to the audit log as an EXPORT before the first byte, and reads through
//! the same scope and filter as the GraphQL API. The case export pages through the database
//! with a keyset cursor and writes row by row, so its memory stays constant whatever the size.
//! Personal fields (reporter name, phone, address) are always masked.

use std::{collections::HashMap, sync::Arc};

use axum::{
    body::Body,
    extract::{rejection::QueryRejection, ConnectInfo, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use chrono::{DateTime, Utc};
use entity::{
    case, case_assignment,
    enums::{AssignmentStatus, GridLevel},
    grid, unit,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::Actor,
    error::{code, AppError},
    graphql::mask,
    request::RequestInfo,
    service::{
        self,
        audit::{Action, Entry},
        case::CaseFilter,
        statistics::{self as stats, CaseKey, CaseMetrics, Dimension, TimeBucket, MAX_GROUPS},
        workflow,
    },
};

/// Rows read from the database per page of the case export.
pub const PAGE_ROWS: u64 = 500;

/// The byte-order mark that starts every CSV export.
pub const BOM: &str = "\u{feff}";

/// The export routes, merged into the router next to `/admin/audit.csv`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/export/cases.csv", get(cases_csv))
        .route("/export/statistics.csv", get(statistics_csv))
}

/// One quoted CSV cell. A value a spreadsheet would run as a formula (leading `=`, `+`, `-`,
/// `@`, tab or carriage return) gets a leading apostrophe, so it stays text.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// One CSV line of quoted, defused cells.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_field(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// A response body fed line by line from a channel (the producer is a spawned task).
pub fn stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<String, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> + Send {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// The bearer token of an export request as an actor; a missing or invalid token is 401.
pub async fn authenticate(app: &AppState, headers: &HeaderMap, rid: &str) -> Result<Arc<Actor>, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match app.authenticate(token.trim()).await {
        Ok(a) => Ok(Arc::new(a)),
        Err(e) => Err(crate::http::error_response(
            StatusCode::UNAUTHORIZED,
            e.code(),
            &e.to_string(),
            rid,
        )),
    }
}

/// An application error as an HTTP response with the GraphQL-shaped error body.
fn error(e: &AppError, rid: &str) -> Response {
    let status = match e.code() {
        code::UNAUTHENTICATED => StatusCode::UNAUTHORIZED,
        code::FORBIDDEN => StatusCode::FORBIDDEN,
        code::NOT_FOUND => StatusCode::NOT_FOUND,
        code::RATE_LIMITED => StatusCode::TOO_MANY_REQUESTS,
        code::INTERNAL => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    if e.code() == code::INTERNAL {
        tracing::error!(request_id = %rid, error = %e, "export failed");
    }
    crate::http::error_response(status, e.code(), &e.public_message(), rid)
}

/// Records the export in the audit log; the export does not start when this fails.
async fn audit(
    app: &AppState,
    actor: &Actor,
    addr: std::net::SocketAddr,
    rid: &str,
    operation: &str,
) -> Result<(), Response> {
    let info = RequestInfo::new(rid.to_owned(), None, addr.ip());
    let entry = Entry {
        operation,
        action: Action::Export,
        object_type: Some("Case"),
        object_id: None,
        field: None,
        reason: None,
        outcome: "OK",
        error_code: None,
    };
    service::audit::record(&app.db, actor, &info, entry)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not audit the export");
            error(&AppError::Internal("audit".into()), rid)
        })
}

fn csv_response(filename: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The query parameters of both exports: the `cases` filter (`kinds=DISPUTE,SAFETY_HAZARD`,
/// `gridId=…`, `createdFrom=2025-01-01T00:00:00Z`, `text=…`, `overdue=true`, …; lists are comma
/// separated or repeated) plus `sort` for cases and `groupBy`, `gridLevel`, `timeBucket` for
/// statistics. An unknown parameter or value is BAD_USER_INPUT.
#[derive(Debug, Default)]
struct Params {
    filter: CaseFilter,
    descending: bool,
    group_by: Vec<Dimension>,
    grid_level: Option<GridLevel>,
    bucket: TimeBucket,
}

fn parse_enum<E: ActiveEnum<Value = String>>(key: &str, v: &str) -> Result<E, AppError> {
    E::try_from_value(&v.trim().to_owned())
        .map_err(|_| AppError::bad_input(key, format!("unknown value {:?}", v.trim())))
}

fn parse_list<E: ActiveEnum<Value = String>>(key: &str, v: &str, out: &mut Vec<E>) -> Result<(), AppError> {
    for part in v.split(',').filter(|p| !p.trim().is_empty()) {
        out.push(parse_enum(key, part)?);
    }
    Ok(())
}

fn parse_uuid(key: &str, v: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(v.trim()).map_err(|_| AppError::bad_input(key, "not a valid id"))
}

fn parse_time(key: &str, v: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(v.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| AppError::bad_input(key, "not an RFC 3339 time, e.g. 2026-01-01T00:00:00Z"))
}

fn parse_dimension(v: &str) -> Result<Dimension, AppError> {
    Ok(match v.trim() {
        "GRID" => Dimension::Grid,
        "UNIT" => Dimension::Unit,
        "KIND" => Dimension::Kind,
        "STATUS" => Dimension::Status,
        "RISK_COLOUR" => Dimension::RiskColour,
        "SOURCE" => Dimension::Source,
        "PERIOD" => Dimension::Period,
        other => {
            return Err(AppError::bad_input(
                "groupBy",
                format!("unknown dimension {other:?}"),
            ))
        }
    })
}

fn parse_params(pairs: &[(String, String)], statistics: bool) -> Result<Params, AppError> {
    let mut p = Params {
        descending: true,
        ..Default::default()
    };
    let f = &mut p.filter;
    for (k, v) in pairs {
        let key = k.as_str();
        match key {
            "kinds" => parse_list(key, v, &mut f.kinds)?,
            "categories" => parse_list(key, v, &mut f.categories)?,
            "statuses" => parse_list(key, v, &mut f.statuses)?,
            "riskColours" => parse_list(key, v, &mut f.risk_colours)?,
            "severities" => parse_list(key, v, &mut f.severities)?,
            "sources" => parse_list(key, v, &mut f.sources)?,
            "gridId" => f.grid = Some(parse_uuid(key, v)?),
            "enterpriseId" => f.enterprise = Some(parse_uuid(key, v)?),
            "roomId" => f.room = Some(parse_uuid(key, v)?),
            "unitId" => f.unit = Some(parse_uuid(key, v)?),
            "createdFrom" => f.created_from = Some(parse_time(key, v)?),
            "createdTo" => f.created_to = Some(parse_time(key, v)?),
            "updatedFrom" => f.updated_from = Some(parse_time(key, v)?),
            "updatedTo" => f.updated_to = Some(parse_time(key, v)?),
            "text" => f.text = Some(v.clone()),
            "overdue" => {
                f.overdue = Some(match v.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(AppError::bad_input(key, "true or false")),
                })
            }
            "sort" if !statistics => {
                p.descending = match v.trim() {
                    "CREATED_AT_DESC" => true,
                    "CREATED_AT_ASC" => false,
                    _ => return Err(AppError::bad_input(key, "CREATED_AT_DESC or CREATED_AT_ASC")),
                }
            }
            "groupBy" if statistics => {
                for part in v.split(',').filter(|s| !s.trim().is_empty()) {
                    let d = parse_dimension(part)?;
                    if !p.group_by.contains(&d) {
                        p.group_by.push(d);
                    }
                }
            }
            "gridLevel" if statistics => p.grid_level = Some(parse_enum(key, v)?),
            "timeBucket" if statistics => {
                p.bucket = match v.trim() {
                    "DAY" => TimeBucket::Day,
                    "WEEK" => TimeBucket::Week,
                    "MONTH" => TimeBucket::Month,
                    _ => return Err(AppError::bad_input(key, "DAY, WEEK or MONTH")),
                }
            }
            _ => return Err(AppError::bad_input(key, "unknown parameter")),
        }
    }
    Ok(p)
}

/// Authenticates, checks the role, parses the parameters and writes the audit record: what
/// both exports do before their first byte.
async fn prepare(
    app: &AppState,
    headers: &HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    statistics: bool,
    rid: &str,
) -> Result<(Arc<Actor>, Params), Response> {
    let actor = authenticate(app, headers, rid).await?;
    stats::require_statistics(&actor).map_err(|e| error(&e, rid))?;
    let pairs = match query {
        Ok(Query(p)) => p,
        Err(_) => {
            return Err(error(
                &AppError::bad_input("query", "malformed query string"),
                rid,
            ))
        }
    };
    let params = parse_params(&pairs, statistics).map_err(|e| error(&e, rid))?;
    Ok((actor, params))
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn code_of<E: ActiveEnum<Value = String>>(v: Option<E>) -> String {
    v.map(|e| e.to_value()).unwrap_or_default()
}

const CASE_HEADER: [&str; 21] = [
    "受理编号",
    "事件类型",
    "类别",
    "标题",
    "状态",
    "风险等级",
    "严重程度",
    "来源",
    "上报人",
    "联系电话",
    "地址",
    "网格编码",
    "网格",
    "主办单位",
    "发生时间",
    "上报时间",
    "首次响应时间",
    "办结时间",
    "关闭时间",
    "办理期限",
    "是否超期",
];

/// `GET /export/cases.csv`: the cases the caller may list, with the `cases` filter as query
/// parameters, newest first (or `sort=CREATED_AT_ASC`), as CSV. Personal fields are masked.
pub async fn cases_csv(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    let (actor, params) = match prepare(&app, &headers, query, false, &rid).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Scope and filter are resolved before the first byte, so their errors are proper responses.
    let base = match stats::scoped_cases(&app.db, &actor, &params.filter).await {
        Ok(q) => q,
        Err(e) => return error(&e, &rid),
    };
    if let Err(r) = audit(&app, &actor, addr, &rid, "exportCases").await {
        return r;
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(64);
    let db = app.db.clone();
    tokio::spawn(async move {
        let header = format!("{BOM}{}", csv_line(&CASE_HEADER));
        if tx.send(Ok(header)).await.is_err() {
            return;
        }
        if let Err(e) = write_cases(&db, base, params.descending, &tx).await {
            tracing::error!(error = %e, "case export failed midway");
            let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    csv_response("cases.csv", Body::from_stream(stream_from(rx)))
}

/// Pages through `base` by id (UUIDv7, so creation order) with a keyset cursor and sends one
/// line per case. Stops quietly when the client goes away.
async fn write_cases(
    db: &DatabaseConnection,
    base: Select<case::Entity>,
    descending: bool,
    tx: &tokio::sync::mpsc::Sender<Result<String, std::io::Error>>,
) -> Result<(), AppError> {
    let now = Utc::now();
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = base.clone();
        if let Some(a) = after {
            q = q.filter(if descending {
                case::Column::Id.lt(a)
            } else {
                case::Column::Id.gt(a)
            });
        }
        let q = if descending {
            q.order_by_desc(case::Column::Id)
        } else {
            q.order_by_asc(case::Column::Id)
        };
        let rows = service::first_rows(db, q, PAGE_ROWS).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.id);
        let grids = grid_names(db, rows.iter().filter_map(|c| c.grid_id)).await?;
        let leads = lead_units(db, rows.iter().map(|c| c.id)).await?;
        let units = unit_names(db, leads.values().copied()).await?;
        for c in &rows {
            let g = c.grid_id.and_then(|g| grids.get(&g));
            let lead = leads.get(&c.id).and_then(|u| units.get(u));
            let line = csv_line(&[
                c.tracking_number.clone(),
                c.kind.to_value(),
                code_of(c.category),
                c.title.clone(),
                c.status.to_value(),
                code_of(c.risk_colour),
                code_of(c.severity),
                c.source.to_value(),
                c.reporter_name.as_deref().map(mask::name).unwrap_or_default(),
                c.reporter_phone.as_deref().map(mask::phone).unwrap_or_default(),
                c.address.as_deref().map(mask::address).unwrap_or_default(),
                g.map(|g| g.0.clone()).unwrap_or_default(),
                g.map(|g| g.1.clone()).unwrap_or_default(),
                lead.cloned().unwrap_or_default(),
                time(c.occurred_at),
                time(Some(c.created_at)),
                time(c.first_response_at),
                time(c.resolved_at),
                time(c.closed_at),
                time(c.resolution_due),
                if workflow::overdue(c, now) { "是" } else { "否" }.to_owned(),
            ]);
            if tx.send(Ok(line)).await.is_err() {
                return Ok(());
            }
        }
        if (rows.len() as u64) < PAGE_ROWS {
            return Ok(());
        }
    }
}

/// Code and name of each grid (directory data).
async fn grid_names(
    db: &DatabaseConnection,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, (String, String)>, AppError> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String, String)> = grid::Entity::find()
        .select_only()
        .column(grid::Column::Id)
        .column(grid::Column::Code)
        .column(grid::Column::Name)
        .filter(grid::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(i, c, n)| (i, (c, n))).collect())
}

/// Name of each unit (directory data).
async fn unit_names(
    db: &DatabaseConnection,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, AppError> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .column(unit::Column::Name)
        .filter(unit::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The current lead unit of each case (the latest lead assignment not rejected or
/// transferred), for cases already in the caller's scope.
async fn lead_units(
    db: &DatabaseConnection,
    cases: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Uuid>, AppError> {
    let ids: Vec<Uuid> = cases.collect();
    let rows: Vec<(Uuid, Uuid)> = case_assignment::Entity::find()
        .select_only()
        .column(case_assignment::Column::CaseId)
        .column(case_assignment::Column::UnitId)
        .filter(case_assignment::Column::CaseId.is_in(ids))
        .filter(case_assignment::Column::Lead.eq(true))
        .filter(
            case_assignment::Column::Status
                .is_not_in([AssignmentStatus::Rejected, AssignmentStatus::Transferred]),
        )
        .order_by_asc(case_assignment::Column::AssignedAt)
        .order_by_asc(case_assignment::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    // Later rows overwrite earlier ones: the latest lead wins.
    Ok(rows.into_iter().collect())
}

fn dimension_header(d: Dimension) -> &'static str {
    match d {
        Dimension::Grid => "网格",
        Dimension::Unit => "主办单位",
        Dimension::Kind => "事件类型",
        Dimension::Status => "状态",
        Dimension::RiskColour => "风险等级",
        Dimension::Source => "来源",
        Dimension::Period => "周期起始",
    }
}

const METRIC_HEADER: [&str; 15] = [
    "事件数",
    "已出结果数",
    "化解数",
    "化解率",
    "调解数",
    "调解成功数",
    "调解成功率",
    "回访数",
    "满意数",
    "满意率",
    "首次响应中位数(秒)",
    "首次响应P90(秒)",
    "办理时长中位数(秒)",
    "办理时长P90(秒)",
    "超期数",
];

fn ratio(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.4}")).unwrap_or_default()
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn metric_cells(m: &CaseMetrics) -> Vec<String> {
    vec![
        m.count.to_string(),
        m.outcome.to_string(),
        m.resolved.to_string(),
        ratio(m.resolution_rate()),
        m.mediated.to_string(),
        m.mediation_success.to_string(),
        ratio(m.mediation_success_rate()),
        m.followed_up.to_string(),
        m.satisfied.to_string(),
        ratio(m.satisfaction_rate()),
        opt(m.first_response_p50),
        opt(m.first_response_p90),
        opt(m.handling_p50),
        opt(m.handling_p90),
        m.overdue.to_string(),
    ]
}

/// The cell of dimension `d` of a group key.
fn key_cell(
    d: Dimension,
    k: &CaseKey,
    grids: &HashMap<Uuid, (String, String)>,
    units: &HashMap<Uuid, String>,
) -> String {
    const NONE: &str = "（无）";
    let or_none = |s: Option<String>| s.unwrap_or_else(|| NONE.to_owned());
    match d {
        Dimension::Grid => or_none(
            k.grid
                .map(|g| grids.get(&g).map_or_else(|| g.to_string(), |x| x.1.clone())),
        ),
        Dimension::Unit => or_none(
            k.unit
                .map(|u| units.get(&u).cloned().unwrap_or_else(|| u.to_string())),
        ),
        Dimension::Kind => or_none(k.kind.map(|v| v.to_value())),
        Dimension::Status => or_none(k.status.map(|v| v.to_value())),
        Dimension::RiskColour => or_none(k.risk_colour.map(|v| v.to_value())),
        Dimension::Source => or_none(k.source.map(|v| v.to_value())),
        Dimension::Period => or_none(k.period.map(|p| p.format("%Y-%m-%d").to_string())),
    }
}

/// `GET /export/statistics.csv`: the `caseStatistics` groups for the same parameters (filter,
/// `groupBy`, `gridLevel`, `timeBucket`) as CSV, one line per group and a final 合计 (total)
/// line. More than 1000 groups is BAD_USER_INPUT rather than a silently cut file.
pub async fn statistics_csv(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    let (actor, params) = match prepare(&app, &headers, query, true, &rid).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = stats::CaseStatsQuery {
        filter: params.filter,
        group_by: params.group_by.clone(),
        grid_level: params.grid_level,
        bucket: params.bucket,
        limit: MAX_GROUPS,
    };
    let result = match stats::case_statistics(&app.db, &actor, &q).await {
        Ok(r) => r,
        Err(e) => return error(&e, &rid),
    };
    if result.truncated {
        let e = AppError::bad_input(
            "groupBy",
            format!("more than {MAX_GROUPS} groups: narrow the filter or group by fewer dimensions"),
        );
        return error(&e, &rid);
    }
    let lookups = async {
        let grids = grid_names(&app.db, result.groups.iter().filter_map(|(k, _)| k.grid)).await?;
        let units = unit_names(&app.db, result.groups.iter().filter_map(|(k, _)| k.unit)).await?;
        Ok::<_, AppError>((grids, units))
    };
    let (grids, units) = match lookups.await {
        Ok(x) => x,
        Err(e) => return error(&e, &rid),
    };
    if let Err(r) = audit(&app, &actor, addr, &rid, "exportCaseStatistics").await {
        return r;
    }
    let dims = params.group_by;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(64);
    tokio::spawn(async move {
        let mut header: Vec<&str> = dims.iter().map(|d| dimension_header(*d)).collect();
        header.extend(METRIC_HEADER);
        if tx.send(Ok(format!("{BOM}{}", csv_line(&header)))).await.is_err() {
            return;
        }
        for (k, m) in &result.groups {
            let mut cells: Vec<String> = dims.iter().map(|d| key_cell(*d, k, &grids, &units)).collect();
            cells.extend(metric_cells(m));
            if tx.send(Ok(csv_line(&cells))).await.is_err() {
                return;
            }
        }
        if dims.is_empty() {
            // Without dimensions the single group is the total already.
            return;
        }
        let mut cells: Vec<String> = dims
            .iter()
            .enumerate()
            .map(|(i, _)| {
                if i == 0 {
                    "合计".to_owned()
                } else {
                    String::new()
                }
            })
            .collect();
        cells.extend(metric_cells(&result.total));
        let _ = tx.send(Ok(csv_line(&cells))).await;
    });
    csv_response("statistics.csv", Body::from_stream(stream_from(rx)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("=cmd|' /C calc'!A0"), "\"'=cmd|' /C calc'!A0\"");
        assert_eq!(csv_field("+1"), "\"'+1\"");
        assert_eq!(csv_field("-1"), "\"'-1\"");
        assert_eq!(csv_field("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_field("\tx"), "\"'\tx\"");
        assert_eq!(csv_field("说\"明\""), "\"说\"\"明\"\"\"");
        assert_eq!(csv_line(&["a", "b"]), "\"a\",\"b\"\n");
    }

    #[test]
    fn parameters_parse_like_the_filter() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        let p = parse_params(
            &pairs(&[
                ("kinds", "DISPUTE,SAFETY_HAZARD"),
                ("kinds", "HELP_REQUEST"),
                ("createdFrom", "2025-01-01T00:00:00Z"),
                ("overdue", "true"),
                ("sort", "CREATED_AT_ASC"),
            ]),
            false,
        )
        .expect("parses");
        assert_eq!(p.filter.kinds.len(), 3);
        assert_eq!(p.filter.overdue, Some(true));
        assert!(!p.descending);
        let e = parse_params(&pairs(&[("kinds", "NOPE")]), false).expect_err("bad kind");
        assert_eq!(e.code(), code::BAD_USER_INPUT);
        let e = parse_params(&pairs(&[("groupBy", "KIND")]), false).expect_err("not for cases");
        assert_eq!(e.code(), code::BAD_USER_INPUT);
        let p = parse_params(
            &pairs(&[
                ("groupBy", "GRID,KIND,GRID"),
                ("gridLevel", "AREA"),
                ("timeBucket", "WEEK"),
            ]),
            true,
        )
        .expect("statistics parameters");
        assert_eq!(p.group_by, vec![Dimension::Grid, Dimension::Kind]);
        assert_eq!(p.grid_level, Some(GridLevel::Area));
        assert_eq!(p.bucket, TimeBucket::Week);
    }
}
