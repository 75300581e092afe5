//! Statistics (统计分析): case, volunteer and mediation-room figures for dashboards and exports.
//!
//! Everything is aggregated in the database — `GROUP BY` for counts; for medians and 90th
//! percentiles `percentile_disc` on PostgreSQL and `ROW_NUMBER()`/`COUNT()` windows on SQLite —
//! so no case row is loaded into Rust. Every query starts from the same scoped, filtered case
//! query as the `cases` list ([`super::visible`] + [`apply_filter`]), so a caller counts exactly
//! the cases they could list. The outcome facts (latest outcome, mediation result, latest
//! satisfaction) are columns of `cases` that database triggers keep equal to the timeline,
//! the sessions and the follow-ups (migration 5), so no child table is read per case.
//! Backend-specific SQL: [`Dialect::epoch`], [`Dialect::bucket`] and the percentiles.
//!
//! Definitions (also in the GraphQL descriptions and the README):
//! - a case *reached an outcome* when its status is RESOLVED, UNRESOLVED, FED_BACK,
//!   FOLLOWED_UP or CLOSED;
//! - it was *resolved* when its status is RESOLVED, or it is FED_BACK, FOLLOWED_UP or CLOSED
//!   and its latest RESOLVED/UNRESOLVED timeline entry is RESOLVED;
//! - resolution rate = resolved ÷ reached an outcome;
//! - mediation success rate = cases with a session whose outcome is AGREEMENT ÷ cases with a
//!   session whose outcome is AGREEMENT or NO_AGREEMENT;
//! - satisfaction rate = cases whose latest follow-up visit was satisfied ÷ cases with a
//!   follow-up visit;
//! - first-response time = `first_response_at − created_at`; handling time =
//!   `resolved_at − created_at` of cases that reached an outcome (whole seconds);
//! - percentiles are nearest-rank: of n values sorted ascending, the median is the value at
//!   position ⌈n/2⌉ and the 90th percentile the value at position ⌈0.9·n⌉;
//! - overdue = the rule of `Case.overdue` at the time of the query.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    case, case_volunteer_task,
    enums::{
        AssignmentStatus, CaseKind, CaseSource, CaseStatus, GridLevel, RiskColour, SessionOutcome,
        VolunteerTaskStatus,
    },
    mediation_session,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Order, Query, SelectStatement},
    ActiveEnum, ColumnTrait, ConnectionTrait, DbBackend, QueryResult, QuerySelect, QueryTrait, Select,
    Statement, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{case::apply_filter, case::CaseFilter, require_role, visible};
use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
};

/// Most groups one statistics query returns.
pub const MAX_GROUPS: usize = 1000;

/// Roles that read statistics and exports: commanders, community police, grid workers,
/// administrators, and department staff (for the cases of their unit).
pub const STATISTICS_ROLES: &[Role] = &[
    Role::Commander,
    Role::CommunityPolice,
    Role::GridWorker,
    Role::Admin,
    Role::DepartmentStaff,
];

/// Refuses callers whose role does not read statistics (anonymous: `UNAUTHENTICATED`).
pub fn require_statistics(actor: &Actor) -> AppResult<()> {
    require_role(actor, STATISTICS_ROLES, "read statistics or exports")
}

/// What case statistics can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// The case's grid, or its ancestor at the requested grid level.
    Grid,
    /// The unit of the case's current lead assignment.
    Unit,
    /// Kind.
    Kind,
    /// Current status.
    Status,
    /// Risk colour.
    RiskColour,
    /// Source channel.
    Source,
    /// Time bucket of `created_at` (UTC).
    Period,
}

/// Length of a time bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimeBucket {
    /// Calendar day (UTC).
    Day,
    /// ISO week, starting on Monday (UTC).
    Week,
    /// Calendar month (UTC).
    #[default]
    Month,
}

/// A case statistics request.
#[derive(Clone, Debug, Default)]
pub struct CaseStatsQuery {
    /// The same filter as the `cases` list.
    pub filter: CaseFilter,
    /// Dimensions, in order; duplicates are ignored. Empty: one group of everything.
    pub group_by: Vec<Dimension>,
    /// Roll grids up to their ancestor at this level; `None`: the case's own grid.
    pub grid_level: Option<GridLevel>,
    /// Bucket for [`Dimension::Period`].
    pub bucket: TimeBucket,
    /// Most groups to return (1 to [`MAX_GROUPS`]).
    pub limit: usize,
}

/// The key of one case group: the fields of the grouped dimensions are set (and may be
/// `None` where the case has no value, e.g. no grid at that level); the others are `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseKey {
    /// Grid (or ancestor at the requested level).
    pub grid: Option<Uuid>,
    /// Lead unit.
    pub unit: Option<Uuid>,
    /// Kind.
    pub kind: Option<CaseKind>,
    /// Status.
    pub status: Option<CaseStatus>,
    /// Risk colour.
    pub risk_colour: Option<RiskColour>,
    /// Source.
    pub source: Option<CaseSource>,
    /// First day of the time bucket.
    pub period: Option<NaiveDate>,
}

/// Figures of one group of cases (see the module documentation for the definitions).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseMetrics {
    /// Cases.
    pub count: i64,
    /// Cases that reached an outcome.
    pub outcome: i64,
    /// Cases resolved.
    pub resolved: i64,
    /// Cases with a session whose outcome is AGREEMENT or NO_AGREEMENT.
    pub mediated: i64,
    /// Cases with a session whose outcome is AGREEMENT.
    pub mediation_success: i64,
    /// Cases with at least one follow-up visit.
    pub followed_up: i64,
    /// Cases whose latest follow-up visit was satisfied.
    pub satisfied: i64,
    /// Cases overdue now.
    pub overdue: i64,
    /// Median first-response time, seconds.
    pub first_response_p50: Option<i64>,
    /// 90th-percentile first-response time, seconds.
    pub first_response_p90: Option<i64>,
    /// Median handling time, seconds.
    pub handling_p50: Option<i64>,
    /// 90th-percentile handling time, seconds.
    pub handling_p90: Option<i64>,
}

/// `num ÷ den`, or `None` when `den` is 0.
pub fn rate(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl CaseMetrics {
    /// Resolved ÷ reached an outcome.
    pub fn resolution_rate(&self) -> Option<f64> {
        rate(self.resolved, self.outcome)
    }
    /// Mediation successes ÷ mediated.
    pub fn mediation_success_rate(&self) -> Option<f64> {
        rate(self.mediation_success, self.mediated)
    }
    /// Satisfied ÷ followed up.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        rate(self.satisfied, self.followed_up)
    }
}

/// Groups (in key order, nulls last), the total over everything, and whether groups were cut
/// at the limit.
#[derive(Clone, Debug)]
pub struct Grouped<K, M> {
    /// Groups with their figures.
    pub groups: Vec<(K, M)>,
    /// Figures over all rows, grouped or not.
    pub total: M,
    /// More groups existed than the limit.
    pub truncated: bool,
}

/// The SQL fragments that differ between the backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn of(b: DbBackend) -> AppResult<Self> {
        match b {
            DbBackend::Sqlite => Ok(Dialect::Sqlite),
            DbBackend::Postgres => Ok(Dialect::Postgres),
            _ => Err(AppError::Internal(
                "statistics support SQLite and PostgreSQL only".into(),
            )),
        }
    }

    /// Whole seconds since the Unix epoch of a timestamp expression.
    fn epoch(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST(strftime('%s', {col}) AS INTEGER)"),
            // `date_part` is double precision; `EXTRACT` is numeric, several times slower per
            // row, and the epoch of a microsecond timestamp floors the same in both.
            Dialect::Postgres => format!("CAST(FLOOR(date_part('epoch', {col})) AS BIGINT)"),
        }
    }

    /// The first day (UTC) of the bucket holding a timestamp expression: a `YYYY-MM-DD` text on
    /// SQLite, a `DATE` on PostgreSQL (formatting every row's bucket as text cost more than
    /// the rest of the row).
    fn bucket(self, col: &str, b: TimeBucket) -> String {
        match (self, b) {
            (Dialect::Sqlite, TimeBucket::Day) => format!("strftime('%Y-%m-%d', {col})"),
            // Forward to Sunday (or stay), then back six days: the Monday of the ISO week.
            (Dialect::Sqlite, TimeBucket::Week) => format!("date({col}, 'weekday 0', '-6 days')"),
            (Dialect::Sqlite, TimeBucket::Month) => format!("strftime('%Y-%m-01', {col})"),
            (Dialect::Postgres, b) => {
                let unit = match b {
                    TimeBucket::Day => "day",
                    TimeBucket::Week => "week",
                    TimeBucket::Month => "month",
                };
                format!("CAST(date_trunc('{unit}', {col} AT TIME ZONE 'UTC') AS DATE)")
            }
        }
    }
}

/// An enum value as an SQL string literal. Only values defined in `entity::enums` (upper-case
/// ASCII) reach here, never input.
fn lit<E: ActiveEnum<Value = String>>(v: E) -> String {
    let s = v.to_value();
    debug_assert!(s
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
    format!("'{s}'")
}

fn lits<E: ActiveEnum<Value = String>>(vs: impl IntoIterator<Item = E>) -> String {
    vs.into_iter().map(lit).collect::<Vec<_>>().join(", ")
}

/// A column of the `cases` table as rendered by sea-query.
fn c(name: &str) -> String {
    format!("\"cases\".\"{name}\"")
}

const OUTCOME_STATUSES: [CaseStatus; 5] = [
    CaseStatus::Resolved,
    CaseStatus::Unresolved,
    CaseStatus::FedBack,
    CaseStatus::FollowedUp,
    CaseStatus::Closed,
];

/// The cases `actor` may see, filtered exactly as the `cases` list filters them.
pub async fn scoped_cases<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &CaseFilter,
) -> AppResult<Select<case::Entity>> {
    let q = visible::<case::Entity, C>(db, actor).await?;
    apply_filter(db, actor, q, filter).await
}

/// `SELECT "cases"."id"` of [`scoped_cases`], for `IN (…)` conditions.
async fn scoped_case_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &CaseFilter,
) -> AppResult<SelectStatement> {
    Ok(scoped_cases(db, actor, filter)
        .await?
        .select_only()
        .column(case::Column::Id)
        .into_query())
}

fn check_limit(limit: usize) -> AppResult<()> {
    if limit == 0 || limit > MAX_GROUPS {
        return Err(AppError::bad_input(
            "limit",
            format!("between 1 and {MAX_GROUPS} groups"),
        ));
    }
    Ok(())
}

fn check_range(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> AppResult<()> {
    if let (Some(a), Some(b)) = (from, to) {
        if a >= b {
            return Err(AppError::bad_input("to", "must be after from"));
        }
    }
    Ok(())
}

fn dedup(dims: &[Dimension]) -> Vec<Dimension> {
    let mut out = Vec::new();
    for d in dims {
        if !out.contains(d) {
            out.push(*d);
        }
    }
    out
}

/// One row per case in scope: its group values and the per-case facts the figures add up.
/// Every bound value (scope, filter, the current time) lives in this statement.
fn case_base(
    mut stmt: SelectStatement,
    dims: &[Dimension],
    bucket: TimeBucket,
    d: Dialect,
) -> SelectStatement {
    let outcome = lits(OUTCOME_STATUSES);
    let after_outcome = lits([CaseStatus::FedBack, CaseStatus::FollowedUp, CaseStatus::Closed]);
    let resolved = lit(CaseStatus::Resolved);
    let status = c("status");
    let id = c("id");
    let created = d.epoch(&c("created_at"));
    stmt.clear_selects();
    stmt.expr_as(Expr::col((case::Entity, case::Column::GridId)), "b_grid")
        .expr_as(Expr::col((case::Entity, case::Column::Kind)), "b_kind")
        .expr_as(Expr::col((case::Entity, case::Column::Status)), "b_status")
        .expr_as(Expr::col((case::Entity, case::Column::RiskColour)), "b_colour")
        .expr_as(Expr::col((case::Entity, case::Column::Source)), "b_source");
    if dims.contains(&Dimension::Unit) {
        // The current lead: the latest lead assignment not rejected or handed over.
        stmt.expr_as(
            Expr::cust(format!(
                "(SELECT a.\"unit_id\" FROM \"case_assignments\" a WHERE a.\"case_id\" = {id} \
                 AND a.\"lead\" = TRUE AND a.\"status\" NOT IN ({gone}) \
                 ORDER BY a.\"assigned_at\" DESC, a.\"id\" DESC LIMIT 1)",
                gone = lits([AssignmentStatus::Rejected, AssignmentStatus::Transferred])
            )),
            "b_unit",
        );
    }
    if dims.contains(&Dimension::Period) {
        stmt.expr_as(Expr::cust(d.bucket(&c("created_at"), bucket)), "b_period");
    }
    stmt.expr_as(
        Expr::cust(format!("{} - {created}", d.epoch(&c("first_response_at")))),
        "x_fr",
    )
    .expr_as(
        Expr::cust(format!(
            "CASE WHEN {status} IN ({outcome}) AND {resolved_at} IS NOT NULL THEN {fin} - {created} END",
            resolved_at = c("resolved_at"),
            fin = d.epoch(&c("resolved_at")),
        )),
        "x_ht",
    )
    .expr_as(
        Expr::cust(format!("CASE WHEN {status} IN ({outcome}) THEN 1 ELSE 0 END")),
        "x_outcome",
    )
    // The outcome facts the database keeps on each case (migration 5's triggers).
    .expr_as(
        Expr::cust(format!(
            "CASE WHEN {status} = {resolved} THEN 1 \
             WHEN {status} IN ({after_outcome}) AND {outcome_resolved} = TRUE THEN 1 ELSE 0 END",
            outcome_resolved = c("outcome_resolved"),
        )),
        "x_resolved",
    )
    .expr_as(
        Expr::cust(format!("CASE WHEN {} = TRUE THEN 1 ELSE 0 END", c("mediated"))),
        "x_mediated",
    )
    .expr_as(
        Expr::cust(format!(
            "CASE WHEN {} = TRUE THEN 1 ELSE 0 END",
            c("mediation_agreed")
        )),
        "x_med_ok",
    )
    .expr_as(
        Expr::cust(format!(
            "CASE WHEN {sat} IS NULL THEN NULL WHEN {sat} = TRUE THEN 1 ELSE 0 END",
            sat = c("satisfied")
        )),
        "x_sat",
    )
    .expr_as(
        Expr::case(super::workflow::overdue_condition(super::now()), Expr::cust("1"))
            .finally(Expr::cust("0")),
        "x_overdue",
    );
    stmt
}

/// The counting aggregates of a group of base rows.
const COUNTS: &str = "COUNT(*) AS n, \
     COALESCE(SUM(x_outcome), 0) AS outcome, \
     COALESCE(SUM(x_resolved), 0) AS resolved, \
     COALESCE(SUM(x_mediated), 0) AS mediated, \
     COALESCE(SUM(x_med_ok), 0) AS med_ok, \
     COUNT(x_sat) AS followed, \
     COALESCE(SUM(x_sat), 0) AS satisfied, \
     COALESCE(SUM(x_overdue), 0) AS overdue";

/// Wraps the base rows (`b`) into groups: one aggregate row per group (at most `limit`, in key
/// order, nulls last) and the total row (`t_row = 1`), in one pass over the base rows. No
/// bound values here: everything variable is in `base`.
///
/// The percentiles are nearest-rank on both backends: PostgreSQL's `percentile_disc` (the
/// value at position ⌈p·n⌉) over `GROUPING SETS` of the groups and the total; SQLite, which
/// has neither, ranks the values with window functions (per group and over everything) and
/// picks the rank ⌈n/2⌉ and ⌈0.9·n⌉ in integers. (The window form on PostgreSQL sorted the
/// whole period four times, spilling to disk: 530 ms for a district-year of 55,000 cases.)
fn case_groups_sql(
    base: &str,
    dims: &[Dimension],
    level: Option<GridLevel>,
    limit: usize,
    d: Dialect,
) -> String {
    let mut keys = Vec::new();
    let mut join = String::new();
    for (i, dim) in dims.iter().enumerate() {
        let e = match dim {
            Dimension::Grid => match level {
                Some(l) => {
                    // Each grid mapped to its ancestor (or itself) at level `l`: paths are
                    // materialised, so an ancestor's path is a prefix of the grid's.
                    join = format!(
                        " LEFT JOIN (SELECT cg.\"id\" AS gid, ag.\"id\" AS anc FROM \"grids\" cg \
                         JOIN \"grids\" ag ON ag.\"level\" = {lvl} \
                         AND substr(cg.\"path\", 1, length(ag.\"path\")) = ag.\"path\") gm \
                         ON gm.gid = b.b_grid",
                        lvl = lit(l)
                    );
                    "gm.anc"
                }
                None => "b.b_grid",
            },
            Dimension::Unit => "b.b_unit",
            Dimension::Kind => "b.b_kind",
            Dimension::Status => "b.b_status",
            Dimension::RiskColour => "b.b_colour",
            Dimension::Source => "b.b_source",
            Dimension::Period => "b.b_period",
        };
        keys.push((format!("k{i}"), e));
    }
    let key_defs: String = keys.iter().map(|(k, e)| format!(", {e} AS {k}")).collect();
    let key_list = keys
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let pct = |v: &str, rn: &str, n: &str, num: u32, add: u32, den: u32| {
        format!("MAX(CASE WHEN {v} IS NOT NULL AND {rn} = ({num} * {n} + {add}) / {den} THEN {v} END)")
    };
    // The aggregates, with the percentiles read from the ranks named `{p}fr_rn` etc.
    let aggregates = |p: &str| {
        format!(
            "{COUNTS}, {fr50} AS fr_p50, {fr90} AS fr_p90, {ht50} AS ht_p50, {ht90} AS ht_p90",
            fr50 = pct("x_fr", &format!("{p}fr_rn"), &format!("{p}fr_n"), 1, 1, 2),
            fr90 = pct("x_fr", &format!("{p}fr_rn"), &format!("{p}fr_n"), 9, 9, 10),
            ht50 = pct("x_ht", &format!("{p}ht_rn"), &format!("{p}ht_n"), 1, 1, 2),
            ht90 = pct("x_ht", &format!("{p}ht_rn"), &format!("{p}ht_n"), 9, 9, 10),
        )
    };
    // Ranks of the non-null values within `part` (the null flag keeps nulls out of the ranks).
    let ranks = |p: &str, part: &str| {
        let (prefix, over) = if part.is_empty() {
            (String::new(), String::new())
        } else {
            (format!("{part}, "), format!("PARTITION BY {part}"))
        };
        format!(
            "ROW_NUMBER() OVER (PARTITION BY {prefix}CASE WHEN x_fr IS NULL THEN 1 ELSE 0 END ORDER BY x_fr) AS {p}fr_rn, \
             COUNT(x_fr) OVER ({over}) AS {p}fr_n, \
             ROW_NUMBER() OVER (PARTITION BY {prefix}CASE WHEN x_ht IS NULL THEN 1 ELSE 0 END ORDER BY x_ht) AS {p}ht_rn, \
             COUNT(x_ht) OVER ({over}) AS {p}ht_n"
        )
    };
    let head = format!("WITH b AS ({base}), k AS (SELECT b.*{key_defs} FROM b{join})");
    if d == Dialect::Postgres {
        let aggs = format!(
            "{COUNTS}, \
             percentile_disc(0.5) WITHIN GROUP (ORDER BY x_fr) AS fr_p50, \
             percentile_disc(0.9) WITHIN GROUP (ORDER BY x_fr) AS fr_p90, \
             percentile_disc(0.5) WITHIN GROUP (ORDER BY x_ht) AS ht_p50, \
             percentile_disc(0.9) WITHIN GROUP (ORDER BY x_ht) AS ht_p90"
        );
        if keys.is_empty() {
            return format!("{head} SELECT CAST(1 AS BIGINT) AS t_row, {aggs} FROM k");
        }
        let order: Vec<String> = keys.iter().map(|(k, _)| format!("{k} NULLS LAST")).collect();
        // The total (all grouping bits set) first, then at most `limit` groups.
        return format!(
            "{head} SELECT * FROM (SELECT CAST(CASE WHEN GROUPING({key_list}) = 0 THEN 0 ELSE 1 END AS BIGINT) \
             AS t_row, {key_list}, {aggs} FROM k GROUP BY GROUPING SETS (({key_list}), ())) g \
             ORDER BY t_row DESC, {order} LIMIT {total_and_groups}",
            order = order.join(", "),
            total_and_groups = limit + 1
        );
    }
    if keys.is_empty() {
        return format!(
            "{head}, r AS (SELECT k.*, {t} FROM k) SELECT CAST(1 AS BIGINT) AS t_row, {agg} FROM r",
            t = ranks("t", ""),
            agg = aggregates("t")
        );
    }
    let flags: String = keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| format!("CASE WHEN {k} IS NULL THEN 1 ELSE 0 END AS n{i}, "))
        .collect();
    let no_flags: String = (0..keys.len()).map(|i| format!("0 AS n{i}, ")).collect();
    let no_keys: String = keys.iter().map(|(k, _)| format!("NULL AS {k}, ")).collect();
    let order: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| format!("n{i}, {k}"))
        .collect();
    let order = order.join(", ");
    format!(
        "{head}, r AS (SELECT k.*, {g}, {t} FROM k) \
         SELECT * FROM (SELECT CAST(0 AS BIGINT) AS t_row, {flags}{key_list}, {group_agg} FROM r \
           GROUP BY {key_list} ORDER BY {order} LIMIT {limit}) g \
         UNION ALL \
         SELECT CAST(1 AS BIGINT) AS t_row, {no_flags}{no_keys}{total_agg} FROM r \
         ORDER BY t_row, {order}",
        g = ranks("", &key_list),
        t = ranks("t", ""),
        group_agg = aggregates(""),
        total_agg = aggregates("t"),
    )
}

/// Runs an aggregate statement. On PostgreSQL it runs in its own transaction with JIT
/// compilation switched off (`SET LOCAL`, so no pooled connection keeps it): a large period or
/// a scope with subqueries puts the planner's cost estimate past `jit_above_cost`, and
/// compiling then costs far more than the query (measured: 1.6 s instead of 70 ms for a
/// 517-case scope).
async fn aggregate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    stmt: Statement,
) -> AppResult<Vec<QueryResult>> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(db.query_all_raw(stmt).await?);
    }
    let txn = db.begin().await?;
    txn.execute_unprepared("SET LOCAL jit = off").await?;
    let rows = txn.query_all_raw(stmt).await?;
    txn.commit().await?;
    Ok(rows)
}

fn get_i64(row: &QueryResult, col: &str) -> AppResult<i64> {
    Ok(row.try_get::<i64>("", col)?)
}

fn get_opt_i64(row: &QueryResult, col: &str) -> AppResult<Option<i64>> {
    Ok(row.try_get::<Option<i64>>("", col)?)
}

fn get_enum<E: ActiveEnum<Value = String>>(row: &QueryResult, col: &str) -> AppResult<Option<E>> {
    row.try_get::<Option<String>>("", col)?
        .map(|s| E::try_from_value(&s))
        .transpose()
        .map_err(AppError::from)
}

fn case_metrics(row: &QueryResult) -> AppResult<CaseMetrics> {
    Ok(CaseMetrics {
        count: get_i64(row, "n")?,
        outcome: get_i64(row, "outcome")?,
        resolved: get_i64(row, "resolved")?,
        mediated: get_i64(row, "mediated")?,
        mediation_success: get_i64(row, "med_ok")?,
        followed_up: get_i64(row, "followed")?,
        satisfied: get_i64(row, "satisfied")?,
        overdue: get_i64(row, "overdue")?,
        first_response_p50: get_opt_i64(row, "fr_p50")?,
        first_response_p90: get_opt_i64(row, "fr_p90")?,
        handling_p50: get_opt_i64(row, "ht_p50")?,
        handling_p90: get_opt_i64(row, "ht_p90")?,
    })
}

fn case_key(row: &QueryResult, dims: &[Dimension]) -> AppResult<CaseKey> {
    let mut k = CaseKey::default();
    for (i, dim) in dims.iter().enumerate() {
        let col = format!("k{i}");
        match dim {
            Dimension::Grid => k.grid = row.try_get::<Option<Uuid>>("", &col)?,
            Dimension::Unit => k.unit = row.try_get::<Option<Uuid>>("", &col)?,
            Dimension::Kind => k.kind = get_enum(row, &col)?,
            Dimension::Status => k.status = get_enum(row, &col)?,
            Dimension::RiskColour => k.risk_colour = get_enum(row, &col)?,
            Dimension::Source => k.source = get_enum(row, &col)?,
            Dimension::Period => k.period = row.try_get::<Option<NaiveDate>>("", &col)?,
        }
    }
    Ok(k)
}

/// Case figures per group of `q.group_by`, plus the total, within the caller's scope.
pub async fn case_statistics<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    q: &CaseStatsQuery,
) -> AppResult<Grouped<CaseKey, CaseMetrics>> {
    require_statistics(actor)?;
    check_limit(q.limit)?;
    let dims = dedup(&q.group_by);
    let backend = db.get_database_backend();
    let d = Dialect::of(backend)?;
    let scoped = scoped_cases(db, actor, &q.filter).await?.into_query();
    let base = backend.build(&case_base(scoped, &dims, q.bucket, d));
    let values = base.values.map(|v| v.0).unwrap_or_default();
    let sql = case_groups_sql(&base.sql, &dims, q.grid_level, q.limit + 1, d);
    let mut groups = Vec::new();
    let mut total = None;
    for row in aggregate(db, Statement::from_sql_and_values(backend, sql, values)).await? {
        let metrics = case_metrics(&row)?;
        if get_i64(&row, "t_row")? == 1 {
            total = Some(metrics);
        } else {
            groups.push((case_key(&row, &dims)?, metrics));
        }
    }
    let total = total.ok_or_else(|| AppError::Internal("statistics returned no total row".into()))?;
    if dims.is_empty() {
        groups.push((CaseKey::default(), total.clone()));
    }
    let truncated = groups.len() > q.limit;
    groups.truncate(q.limit);
    Ok(Grouped {
        groups,
        total,
        truncated,
    })
}

/// How volunteer statistics are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum VolunteerGrouping {
    /// By the task's team.
    #[default]
    Team,
    /// By the task's volunteer (tasks given to a whole team have none).
    Volunteer,
}

/// A volunteer statistics request.
#[derive(Clone, Debug, Default)]
pub struct VolunteerStatsQuery {
    /// Filter on the cases the tasks belong to (as for the `cases` list).
    pub filter: CaseFilter,
    /// Grouping.
    pub by: VolunteerGrouping,
    /// Tasks created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Tasks created before.
    pub to: Option<DateTime<Utc>>,
    /// Most groups (1 to [`MAX_GROUPS`]).
    pub limit: usize,
}

/// Figures of one group of volunteer tasks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VolunteerMetrics {
    /// Tasks.
    pub tasks: i64,
    /// Tasks accepted (status ACCEPTED, CHECKED_IN or CHECKED_OUT).
    pub accepted: i64,
    /// Tasks completed (status CHECKED_OUT).
    pub completed: i64,
    /// Tasks declined.
    pub declined: i64,
    /// Service minutes recorded at check-out.
    pub service_minutes: i64,
    /// Distinct cases.
    pub cases: i64,
    /// Distinct volunteers named on the tasks.
    pub volunteers: i64,
}

fn volunteer_metrics(row: &QueryResult) -> AppResult<VolunteerMetrics> {
    Ok(VolunteerMetrics {
        tasks: get_i64(row, "tasks")?,
        accepted: get_i64(row, "accepted")?,
        completed: get_i64(row, "completed")?,
        declined: get_i64(row, "declined")?,
        service_minutes: get_i64(row, "minutes")?,
        cases: get_i64(row, "cases")?,
        volunteers: get_i64(row, "volunteers")?,
    })
}

/// `COALESCE(SUM(CASE WHEN cond THEN 1 ELSE 0 END), 0)`.
fn count_if(cond: &str) -> Expr {
    Expr::cust(format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)"))
}

/// Groups a sea-query aggregate by one column (nulls last), runs it grouped and ungrouped.
async fn run_grouped<C: ConnectionTrait + TransactionTrait, M>(
    db: &C,
    stmt: SelectStatement,
    key: Expr,
    limit: usize,
    read: fn(&QueryResult) -> AppResult<M>,
) -> AppResult<Grouped<Option<Uuid>, M>> {
    let backend = db.get_database_backend();
    let mut grouped = stmt.clone();
    grouped
        .expr_as(key.clone(), "k0")
        .add_group_by([key.clone()])
        .order_by_expr(key.clone().is_null(), Order::Asc)
        .order_by_expr(key, Order::Asc)
        .limit(limit as u64 + 1);
    let mut groups = Vec::new();
    for row in aggregate(db, backend.build(&grouped)).await? {
        groups.push((row.try_get::<Option<Uuid>>("", "k0")?, read(&row)?));
    }
    let truncated = groups.len() > limit;
    groups.truncate(limit);
    let total = aggregate(db, backend.build(&stmt))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("an aggregate returned no row".into()))?;
    Ok(Grouped {
        groups,
        total: read(&total)?,
        truncated,
    })
}

/// Volunteer task figures per team or per volunteer, for tasks on cases in the caller's scope.
pub async fn volunteer_statistics<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    q: &VolunteerStatsQuery,
) -> AppResult<Grouped<Option<Uuid>, VolunteerMetrics>> {
    use case_volunteer_task::{Column as T, Entity as Tasks};
    require_statistics(actor)?;
    check_limit(q.limit)?;
    check_range(q.from, q.to)?;
    let ids = scoped_case_ids(db, actor, &q.filter).await?;
    let status = "\"case_volunteer_tasks\".\"status\"";
    let accepted = lits([
        VolunteerTaskStatus::Accepted,
        VolunteerTaskStatus::CheckedIn,
        VolunteerTaskStatus::CheckedOut,
    ]);
    let mut stmt = Query::select();
    stmt.from(Tasks)
        .expr_as(Expr::cust("COUNT(*)"), "tasks")
        .expr_as(count_if(&format!("{status} IN ({accepted})")), "accepted")
        .expr_as(
            count_if(&format!("{status} = {}", lit(VolunteerTaskStatus::CheckedOut))),
            "completed",
        )
        .expr_as(
            count_if(&format!("{status} = {}", lit(VolunteerTaskStatus::Declined))),
            "declined",
        )
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(\"case_volunteer_tasks\".\"minutes\"), 0) AS BIGINT)"),
            "minutes",
        )
        .expr_as(
            Expr::cust("COUNT(DISTINCT \"case_volunteer_tasks\".\"case_id\")"),
            "cases",
        )
        .expr_as(
            Expr::cust("COUNT(DISTINCT \"case_volunteer_tasks\".\"volunteer_id\")"),
            "volunteers",
        )
        .and_where(T::CaseId.in_subquery(ids));
    if let Some(f) = q.from {
        stmt.and_where(T::CreatedAt.gte(f));
    }
    if let Some(t) = q.to {
        stmt.and_where(T::CreatedAt.lt(t));
    }
    let key = match q.by {
        VolunteerGrouping::Team => Expr::col((Tasks, T::TeamId)),
        // A volunteer the caller may not read is no group of its own: their tasks count in
        // the null group (with tasks given to a whole team), so no id or minutes of theirs
        // leave the service. The readable volunteers are joined (a plain column to group by,
        // which PostgreSQL needs: the scope's bound values would make a CASE expression in
        // SELECT and GROUP BY two different expressions).
        VolunteerGrouping::Volunteer => {
            let readable = visible::<entity::volunteer::Entity, C>(db, actor)
                .await?
                .select_only()
                .column(entity::volunteer::Column::Id)
                .into_query();
            let vis = sea_orm::sea_query::Alias::new("readable_volunteer");
            stmt.join_subquery(
                sea_orm::sea_query::JoinType::LeftJoin,
                readable,
                vis.clone(),
                Expr::col((vis.clone(), entity::volunteer::Column::Id)).equals((Tasks, T::VolunteerId)),
            );
            Expr::col((vis, entity::volunteer::Column::Id))
        }
    };
    run_grouped(db, stmt, key, q.limit, volunteer_metrics).await
}

/// A mediation-room statistics request.
#[derive(Clone, Debug, Default)]
pub struct RoomStatsQuery {
    /// Filter on the cases the sessions belong to (as for the `cases` list).
    pub filter: CaseFilter,
    /// Sessions scheduled at or after.
    pub from: Option<DateTime<Utc>>,
    /// Sessions scheduled before.
    pub to: Option<DateTime<Utc>>,
    /// Most groups (1 to [`MAX_GROUPS`]).
    pub limit: usize,
}

/// Figures of one mediation room.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoomMetrics {
    /// Sessions.
    pub sessions: i64,
    /// Sessions held (with a held time).
    pub held: i64,
    /// Sessions whose outcome is AGREEMENT.
    pub agreements: i64,
    /// Agreements confirmed judicially (司法确认).
    pub judicial_confirmations: i64,
    /// Distinct cases with a session.
    pub cases: i64,
    /// Distinct cases with a session whose outcome is AGREEMENT, NO_AGREEMENT or ESCALATED.
    pub decided_cases: i64,
    /// Distinct cases with a session whose outcome is AGREEMENT.
    pub successful_cases: i64,
}

impl RoomMetrics {
    /// Successful cases ÷ decided cases.
    pub fn success_rate(&self) -> Option<f64> {
        rate(self.successful_cases, self.decided_cases)
    }
}

fn room_metrics(row: &QueryResult) -> AppResult<RoomMetrics> {
    Ok(RoomMetrics {
        sessions: get_i64(row, "sessions")?,
        held: get_i64(row, "held")?,
        agreements: get_i64(row, "agreements")?,
        judicial_confirmations: get_i64(row, "judicial")?,
        cases: get_i64(row, "cases")?,
        decided_cases: get_i64(row, "decided")?,
        successful_cases: get_i64(row, "successful")?,
    })
}

/// Mediation figures per room, for sessions of cases in the caller's scope.
pub async fn room_statistics<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    q: &RoomStatsQuery,
) -> AppResult<Grouped<Option<Uuid>, RoomMetrics>> {
    use mediation_session::{Column as S, Entity as Sessions};
    require_statistics(actor)?;
    check_limit(q.limit)?;
    check_range(q.from, q.to)?;
    let ids = scoped_case_ids(db, actor, &q.filter).await?;
    let col = |n: &str| format!("\"mediation_sessions\".\"{n}\"");
    let outcome = col("outcome");
    let case_id = col("case_id");
    let agreement = lit(SessionOutcome::Agreement);
    let decided = lits([
        SessionOutcome::Agreement,
        SessionOutcome::NoAgreement,
        SessionOutcome::Escalated,
    ]);
    let mut stmt = Query::select();
    stmt.from(Sessions)
        .expr_as(Expr::cust("COUNT(*)"), "sessions")
        .expr_as(count_if(&format!("{} IS NOT NULL", col("held_at"))), "held")
        .expr_as(count_if(&format!("{outcome} = {agreement}")), "agreements")
        .expr_as(count_if(&col("judicial_confirmed")), "judicial")
        .expr_as(Expr::cust(format!("COUNT(DISTINCT {case_id})")), "cases")
        .expr_as(
            Expr::cust(format!(
                "COUNT(DISTINCT CASE WHEN {outcome} IN ({decided}) THEN {case_id} END)"
            )),
            "decided",
        )
        .expr_as(
            Expr::cust(format!(
                "COUNT(DISTINCT CASE WHEN {outcome} = {agreement} THEN {case_id} END)"
            )),
            "successful",
        )
        .and_where(S::CaseId.in_subquery(ids));
    if let Some(f) = q.from {
        stmt.and_where(S::ScheduledAt.gte(f));
    }
    if let Some(t) = q.to {
        stmt.and_where(S::ScheduledAt.lt(t));
    }
    run_grouped(db, stmt, Expr::col((Sessions, S::RoomId)), q.limit, room_metrics).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_positions() {
        // ⌈n/2⌉ and ⌈0.9·n⌉ as the SQL computes them in integers.
        for (n, p50, p90) in [
            (1, 1, 1),
            (2, 1, 2),
            (5, 3, 5),
            (10, 5, 9),
            (11, 6, 10),
            (20, 10, 18),
        ] {
            assert_eq!((n + 1) / 2, p50, "median of {n}");
            assert_eq!((9 * n + 9) / 10, p90, "p90 of {n}");
        }
    }

    #[test]
    fn rates_are_null_without_a_denominator() {
        assert_eq!(rate(1, 0), None);
        assert_eq!(rate(1, 4), Some(0.25));
    }
}
