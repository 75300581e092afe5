//! Statistics queries (统计分析): case, volunteer and mediation-room figures for dashboards,
//! aggregated in the database within the caller's scope (see `service::statistics`).

use async_graphql::{Context, Enum, Object, ID};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use entity::{grid, mediation_room, unit, volunteer, volunteer_team};

use super::{
    actor,
    case::types::CaseFilterInput,
    db,
    enums::{CaseKind, CaseSource, CaseStatus, GridLevel, RiskColour},
    grid::types::Grid,
    id, loader,
    mediation_room::types::MediationRoom,
    unit::types::Unit,
    volunteer::types::Volunteer,
    volunteer_team::types::VolunteerTeam,
};
use crate::service::statistics::{self as svc, MAX_GROUPS};

/// A dimension to group case statistics by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatisticsDimension {
    /// The case's grid; with `gridLevel`, its ancestor (or itself) at that level of the grid tree.
    Grid,
    /// The unit of the case's current lead assignment (the latest lead assignment not rejected or transferred).
    Unit,
    /// Kind of case.
    Kind,
    /// Current status.
    Status,
    /// Risk colour (null until assessed).
    RiskColour,
    /// Source channel.
    Source,
    /// Time bucket (`timeBucket`) of the case's `createdAt`, in UTC.
    Period,
}

impl From<StatisticsDimension> for svc::Dimension {
    fn from(d: StatisticsDimension) -> Self {
        match d {
            StatisticsDimension::Grid => svc::Dimension::Grid,
            StatisticsDimension::Unit => svc::Dimension::Unit,
            StatisticsDimension::Kind => svc::Dimension::Kind,
            StatisticsDimension::Status => svc::Dimension::Status,
            StatisticsDimension::RiskColour => svc::Dimension::RiskColour,
            StatisticsDimension::Source => svc::Dimension::Source,
            StatisticsDimension::Period => svc::Dimension::Period,
        }
    }
}

/// Length of a statistics time bucket (UTC).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimeBucket {
    /// Calendar day, 00:00 UTC to 00:00 UTC.
    Day,
    /// ISO week, Monday 00:00 UTC to the next Monday.
    Week,
    /// Calendar month, the 1st 00:00 UTC to the next 1st (the default).
    #[default]
    Month,
}

impl From<TimeBucket> for svc::TimeBucket {
    fn from(b: TimeBucket) -> Self {
        match b {
            TimeBucket::Day => svc::TimeBucket::Day,
            TimeBucket::Week => svc::TimeBucket::Week,
            TimeBucket::Month => svc::TimeBucket::Month,
        }
    }
}

/// How volunteer statistics are grouped.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum VolunteerGrouping {
    /// One group per volunteer team (the default).
    #[default]
    Team,
    /// One group per volunteer; tasks given to a whole team form the group whose volunteer is null.
    Volunteer,
}

/// The `limit` argument as a group count (`BAD_USER_INPUT` outside 1 to 1000).
fn group_limit(limit: Option<i32>) -> usize {
    limit.map_or(MAX_GROUPS, |l| usize::try_from(l).unwrap_or(0))
}

/// Midnight UTC of a day.
fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The day after the bucket starting on `start`.
fn bucket_end(start: NaiveDate, b: TimeBucket) -> NaiveDate {
    match b {
        TimeBucket::Day => start + TimeDelta::days(1),
        TimeBucket::Week => start + TimeDelta::days(7),
        TimeBucket::Month => start
            .with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
            .unwrap_or(start),
    }
}

/// Figures for one group of cases. Every rate is a fraction from 0 to 1, and null when its denominator is 0.
pub struct CaseMetrics(pub svc::CaseMetrics);

/// Figures for one group of cases. Every rate is a fraction from 0 to 1, and null when its denominator is 0.
#[Object]
impl CaseMetrics {
    /// Cases in the group.
    async fn count(&self) -> i64 {
        self.0.count
    }
    /// Cases that reached an outcome: status RESOLVED, UNRESOLVED, FED_BACK, FOLLOWED_UP or CLOSED.
    async fn outcome_count(&self) -> i64 {
        self.0.outcome
    }
    /// Cases resolved (化解): status RESOLVED, or FED_BACK/FOLLOWED_UP/CLOSED with the latest RESOLVED or UNRESOLVED timeline entry being RESOLVED.
    async fn resolved_count(&self) -> i64 {
        self.0.resolved
    }
    /// Resolution rate (化解率) = resolvedCount ÷ outcomeCount; null when outcomeCount is 0.
    async fn resolution_rate(&self) -> Option<f64> {
        self.0.resolution_rate()
    }
    /// Cases mediated to a result: at least one mediation session with outcome AGREEMENT or NO_AGREEMENT.
    async fn mediated_count(&self) -> i64 {
        self.0.mediated
    }
    /// Cases with at least one mediation session with outcome AGREEMENT.
    async fn mediation_success_count(&self) -> i64 {
        self.0.mediation_success
    }
    /// Mediation success rate (调解成功率) = mediationSuccessCount ÷ mediatedCount; null when mediatedCount is 0.
    async fn mediation_success_rate(&self) -> Option<f64> {
        self.0.mediation_success_rate()
    }
    /// Cases with at least one follow-up visit (回访).
    async fn followed_up_count(&self) -> i64 {
        self.0.followed_up
    }
    /// Cases whose latest follow-up visit recorded satisfied.
    async fn satisfied_count(&self) -> i64 {
        self.0.satisfied
    }
    /// Satisfaction rate (满意率) = satisfiedCount ÷ followedUpCount; null when followedUpCount is 0.
    async fn satisfaction_rate(&self) -> Option<f64> {
        self.0.satisfaction_rate()
    }
    /// Median first-response time in seconds (firstResponseAt − createdAt, cases with a first response; nearest rank ⌈n/2⌉); null when none.
    async fn first_response_seconds_median(&self) -> Option<i64> {
        self.0.first_response_p50
    }
    /// 90th-percentile first-response time in seconds (nearest rank ⌈0.9·n⌉); null when none.
    async fn first_response_seconds_p90(&self) -> Option<i64> {
        self.0.first_response_p90
    }
    /// Median handling time in seconds (resolvedAt − createdAt, cases that reached an outcome; nearest rank ⌈n/2⌉); null when none.
    async fn handling_seconds_median(&self) -> Option<i64> {
        self.0.handling_p50
    }
    /// 90th-percentile handling time in seconds (nearest rank ⌈0.9·n⌉); null when none.
    async fn handling_seconds_p90(&self) -> Option<i64> {
        self.0.handling_p90
    }
    /// Cases overdue at the time of the query (the rule of `Case.overdue`).
    async fn overdue_count(&self) -> i64 {
        self.0.overdue
    }
}

/// One group of case statistics: the values of the grouped dimensions, and the figures.
pub struct CaseStatisticsGroup {
    key: svc::CaseKey,
    metrics: svc::CaseMetrics,
    bucket: TimeBucket,
}

/// One group of case statistics: the values of the grouped dimensions, and the figures.
#[Object]
impl CaseStatisticsGroup {
    /// Grid id when grouped by GRID; null there means no grid (or none at `gridLevel`), and always null when not grouped by GRID.
    async fn grid_id(&self) -> Option<ID> {
        self.key.grid.map(id)
    }
    /// The grid when grouped by GRID.
    async fn grid(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grid>> {
        Ok(loader::one::<grid::Entity>(ctx, self.key.grid).await?.map(Grid))
    }
    /// Lead unit id when grouped by UNIT; null there means no current lead assignment.
    async fn unit_id(&self) -> Option<ID> {
        self.key.unit.map(id)
    }
    /// The lead unit when grouped by UNIT.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        Ok(loader::one::<unit::Entity>(ctx, self.key.unit).await?.map(Unit))
    }
    /// Kind when grouped by KIND.
    async fn kind(&self) -> Option<CaseKind> {
        self.key.kind.map(Into::into)
    }
    /// Status when grouped by STATUS.
    async fn status(&self) -> Option<CaseStatus> {
        self.key.status.map(Into::into)
    }
    /// Risk colour when grouped by RISK_COLOUR; null there means not yet assessed.
    async fn risk_colour(&self) -> Option<RiskColour> {
        self.key.risk_colour.map(Into::into)
    }
    /// Source channel when grouped by SOURCE.
    async fn source(&self) -> Option<CaseSource> {
        self.key.source.map(Into::into)
    }
    /// Start of the time bucket (inclusive, 00:00 UTC) when grouped by PERIOD.
    async fn period_start(&self) -> Option<DateTime<Utc>> {
        self.key.period.map(midnight)
    }
    /// End of the time bucket (exclusive, 00:00 UTC) when grouped by PERIOD.
    async fn period_end(&self) -> Option<DateTime<Utc>> {
        self.key.period.map(|p| midnight(bucket_end(p, self.bucket)))
    }
    /// The figures of this group.
    async fn metrics(&self) -> CaseMetrics {
        CaseMetrics(self.metrics.clone())
    }
}

/// Case statistics: groups in key order (nulls last, dimensions in `groupBy` order) and the total.
pub struct CaseStatistics {
    result: svc::Grouped<svc::CaseKey, svc::CaseMetrics>,
    dimensions: Vec<StatisticsDimension>,
    bucket: TimeBucket,
}

/// Case statistics: groups in key order (nulls last, dimensions in `groupBy` order) and the total.
#[Object]
impl CaseStatistics {
    /// The dimensions grouped by, duplicates removed.
    async fn dimensions(&self) -> &[StatisticsDimension] {
        &self.dimensions
    }
    /// One entry per group; a single entry over everything when `groupBy` is empty.
    async fn groups(&self) -> Vec<CaseStatisticsGroup> {
        self.result
            .groups
            .iter()
            .map(|(k, m)| CaseStatisticsGroup {
                key: k.clone(),
                metrics: m.clone(),
                bucket: self.bucket,
            })
            .collect()
    }
    /// Figures over all matching cases, including those of groups cut off by the limit.
    async fn total(&self) -> CaseMetrics {
        CaseMetrics(self.result.total.clone())
    }
    /// True when more groups existed than `limit`: narrow the filter or group by less.
    async fn truncated(&self) -> bool {
        self.result.truncated
    }
}

/// Figures for one group of volunteer tasks (义警任务).
pub struct VolunteerMetrics(pub svc::VolunteerMetrics);

/// Figures for one group of volunteer tasks (义警任务).
#[Object]
impl VolunteerMetrics {
    /// Tasks given.
    async fn task_count(&self) -> i64 {
        self.0.tasks
    }
    /// Tasks accepted: status ACCEPTED, CHECKED_IN or CHECKED_OUT.
    async fn accepted_count(&self) -> i64 {
        self.0.accepted
    }
    /// Tasks completed: status CHECKED_OUT.
    async fn completed_count(&self) -> i64 {
        self.0.completed
    }
    /// Tasks declined.
    async fn declined_count(&self) -> i64 {
        self.0.declined
    }
    /// Service minutes: the sum of the minutes recorded at check-out.
    async fn service_minutes(&self) -> i64 {
        self.0.service_minutes
    }
    /// Distinct cases the tasks belong to.
    async fn case_count(&self) -> i64 {
        self.0.cases
    }
    /// Distinct volunteers named on the tasks.
    async fn volunteer_count(&self) -> i64 {
        self.0.volunteers
    }
}

/// One group of volunteer statistics: a team or a volunteer, and the figures.
pub struct VolunteerStatisticsGroup {
    key: Option<uuid::Uuid>,
    by: VolunteerGrouping,
    metrics: svc::VolunteerMetrics,
}

/// One group of volunteer statistics: a team or a volunteer, and the figures.
#[Object]
impl VolunteerStatisticsGroup {
    /// Team id when grouped by TEAM (null: tasks with no team).
    async fn team_id(&self) -> Option<ID> {
        (self.by == VolunteerGrouping::Team)
            .then_some(self.key)
            .flatten()
            .map(id)
    }
    /// The team when grouped by TEAM.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<VolunteerTeam>> {
        let k = (self.by == VolunteerGrouping::Team).then_some(self.key).flatten();
        Ok(loader::one::<volunteer_team::Entity>(ctx, k)
            .await?
            .map(VolunteerTeam))
    }
    /// Volunteer id when grouped by VOLUNTEER. Null for the group of tasks given to a whole
    /// team together with the tasks of volunteers the caller may not read (their ids and
    /// figures are never shown one by one).
    async fn volunteer_id(&self) -> Option<ID> {
        (self.by == VolunteerGrouping::Volunteer)
            .then_some(self.key)
            .flatten()
            .map(id)
    }
    /// The volunteer when grouped by VOLUNTEER (null for the group described at `volunteerId`).
    async fn volunteer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Volunteer>> {
        let k = (self.by == VolunteerGrouping::Volunteer)
            .then_some(self.key)
            .flatten();
        Ok(loader::one::<volunteer::Entity>(ctx, k).await?.map(Volunteer))
    }
    /// The figures of this group.
    async fn metrics(&self) -> VolunteerMetrics {
        VolunteerMetrics(self.metrics.clone())
    }
}

/// Volunteer statistics: groups in id order (nulls last) and the total.
pub struct VolunteerStatistics {
    result: svc::Grouped<Option<uuid::Uuid>, svc::VolunteerMetrics>,
    by: VolunteerGrouping,
}

/// Volunteer statistics: groups in id order (nulls last) and the total.
#[Object]
impl VolunteerStatistics {
    /// One entry per team or volunteer with at least one task.
    async fn groups(&self) -> Vec<VolunteerStatisticsGroup> {
        self.result
            .groups
            .iter()
            .map(|(k, m)| VolunteerStatisticsGroup {
                key: *k,
                by: self.by,
                metrics: m.clone(),
            })
            .collect()
    }
    /// Figures over all matching tasks.
    async fn total(&self) -> VolunteerMetrics {
        VolunteerMetrics(self.result.total.clone())
    }
    /// True when more groups existed than `limit`.
    async fn truncated(&self) -> bool {
        self.result.truncated
    }
}

/// Figures for one mediation room (调解室).
pub struct MediationRoomMetrics(pub svc::RoomMetrics);

/// Figures for one mediation room (调解室).
#[Object]
impl MediationRoomMetrics {
    /// Sessions scheduled or held.
    async fn session_count(&self) -> i64 {
        self.0.sessions
    }
    /// Sessions held (with a held time).
    async fn held_count(&self) -> i64 {
        self.0.held
    }
    /// Sessions whose outcome is AGREEMENT.
    async fn agreement_count(&self) -> i64 {
        self.0.agreements
    }
    /// Agreements confirmed judicially (司法确认).
    async fn judicial_confirmation_count(&self) -> i64 {
        self.0.judicial_confirmations
    }
    /// Distinct cases with a session.
    async fn case_count(&self) -> i64 {
        self.0.cases
    }
    /// Distinct cases with a session whose outcome is AGREEMENT, NO_AGREEMENT or ESCALATED.
    async fn decided_case_count(&self) -> i64 {
        self.0.decided_cases
    }
    /// Distinct cases with a session whose outcome is AGREEMENT.
    async fn successful_case_count(&self) -> i64 {
        self.0.successful_cases
    }
    /// Success rate (调解成功率) = successfulCaseCount ÷ decidedCaseCount; null when decidedCaseCount is 0.
    async fn success_rate(&self) -> Option<f64> {
        self.0.success_rate()
    }
}

/// One mediation room and its figures.
pub struct MediationRoomStatisticsGroup {
    room: Option<uuid::Uuid>,
    metrics: svc::RoomMetrics,
}

/// One mediation room and its figures.
#[Object]
impl MediationRoomStatisticsGroup {
    /// Room id.
    async fn room_id(&self) -> Option<ID> {
        self.room.map(id)
    }
    /// The room.
    async fn room(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MediationRoom>> {
        Ok(loader::one::<mediation_room::Entity>(ctx, self.room)
            .await?
            .map(MediationRoom))
    }
    /// The figures of this room.
    async fn metrics(&self) -> MediationRoomMetrics {
        MediationRoomMetrics(self.metrics.clone())
    }
}

/// Mediation-room statistics: rooms in id order and the total.
pub struct MediationRoomStatistics(svc::Grouped<Option<uuid::Uuid>, svc::RoomMetrics>);

/// Mediation-room statistics: rooms in id order and the total.
#[Object]
impl MediationRoomStatistics {
    /// One entry per room with at least one session.
    async fn groups(&self) -> Vec<MediationRoomStatisticsGroup> {
        self.0
            .groups
            .iter()
            .map(|(k, m)| MediationRoomStatisticsGroup {
                room: *k,
                metrics: m.clone(),
            })
            .collect()
    }
    /// Figures over all matching sessions (a case mediated in two rooms counts once here).
    async fn total(&self) -> MediationRoomMetrics {
        MediationRoomMetrics(self.0.total.clone())
    }
    /// True when more rooms existed than `limit`.
    async fn truncated(&self) -> bool {
        self.0.truncated
    }
}

/// Statistics root fields.
#[derive(Default)]
pub struct StatisticsQuery;

/// Statistics root fields.
#[Object]
impl StatisticsQuery {
    /// Case figures grouped by any of grid (rolled up to `gridLevel`), lead unit, kind, status, risk colour, source and time bucket, within the caller's scope (commanders, community police, grid workers, admins, department staff). CSV: GET /export/statistics.csv.
    #[allow(clippy::too_many_arguments)]
    async fn case_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The same filter as `cases`; all given fields must match.")] filter: Option<
            CaseFilterInput,
        >,
        #[graphql(desc = "Dimensions to group by, in order; empty or absent: one group over everything.")]
        group_by: Option<Vec<StatisticsDimension>>,
        #[graphql(
            desc = "With GRID: roll each case's grid up to its ancestor (or itself) at this level; absent: the case's own grid."
        )]
        grid_level: Option<GridLevel>,
        #[graphql(desc = "With PERIOD: the bucket of createdAt (UTC); default MONTH.")] time_bucket: Option<
            TimeBucket,
        >,
        #[graphql(desc = "Most groups to return, 1 to 1000 (default 1000); more sets `truncated`.")]
        limit: Option<i32>,
    ) -> async_graphql::Result<CaseStatistics> {
        let mut dims: Vec<StatisticsDimension> = Vec::new();
        for d in group_by.unwrap_or_default() {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let bucket = time_bucket.unwrap_or_default();
        let q = svc::CaseStatsQuery {
            filter: filter.unwrap_or_default().into_service()?,
            group_by: dims.iter().map(|d| (*d).into()).collect(),
            grid_level: grid_level.map(Into::into),
            bucket: bucket.into(),
            limit: group_limit(limit),
        };
        let result = svc::case_statistics(db(ctx)?, actor(ctx)?, &q).await?;
        Ok(CaseStatistics {
            result,
            dimensions: dims,
            bucket,
        })
    }

    /// Volunteer task figures (tasks, accepted, completed, service minutes) per team or per volunteer, for tasks on cases in the caller's scope.
    async fn volunteer_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Per team (default) or per volunteer.")] by: Option<VolunteerGrouping>,
        #[graphql(desc = "Filter on the cases the tasks belong to, as for `cases`.")] filter: Option<
            CaseFilterInput,
        >,
        #[graphql(desc = "Tasks created at or after this time.")] from: Option<DateTime<Utc>>,
        #[graphql(desc = "Tasks created before this time.")] to: Option<DateTime<Utc>>,
        #[graphql(desc = "Most groups to return, 1 to 1000 (default 1000); more sets `truncated`.")]
        limit: Option<i32>,
    ) -> async_graphql::Result<VolunteerStatistics> {
        let by = by.unwrap_or_default();
        let q = svc::VolunteerStatsQuery {
            filter: filter.unwrap_or_default().into_service()?,
            by: match by {
                VolunteerGrouping::Team => svc::VolunteerGrouping::Team,
                VolunteerGrouping::Volunteer => svc::VolunteerGrouping::Volunteer,
            },
            from,
            to,
            limit: group_limit(limit),
        };
        let result = svc::volunteer_statistics(db(ctx)?, actor(ctx)?, &q).await?;
        Ok(VolunteerStatistics { result, by })
    }

    /// Mediation figures per room (sessions, agreements, success rate, judicial confirmations), for sessions of cases in the caller's scope.
    async fn mediation_room_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filter on the cases the sessions belong to, as for `cases`.")] filter: Option<
            CaseFilterInput,
        >,
        #[graphql(desc = "Sessions scheduled at or after this time.")] from: Option<DateTime<Utc>>,
        #[graphql(desc = "Sessions scheduled before this time.")] to: Option<DateTime<Utc>>,
        #[graphql(desc = "Most rooms to return, 1 to 1000 (default 1000); more sets `truncated`.")]
        limit: Option<i32>,
    ) -> async_graphql::Result<MediationRoomStatistics> {
        let q = svc::RoomStatsQuery {
            filter: filter.unwrap_or_default().into_service()?,
            from,
            to,
            limit: group_limit(limit),
        };
        Ok(MediationRoomStatistics(
            svc::room_statistics(db(ctx)?, actor(ctx)?, &q).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_ends() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(bucket_end(d(2026, 1, 31), TimeBucket::Day), d(2026, 2, 1));
        assert_eq!(bucket_end(d(2026, 1, 5), TimeBucket::Week), d(2026, 1, 12));
        assert_eq!(bucket_end(d(2026, 12, 1), TimeBucket::Month), d(2027, 1, 1));
    }
}
