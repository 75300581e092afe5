//! `GET /metrics`: the service's counters in the Prometheus text exposition format (0.0.4).
//!
//! * `fengqiao_graphql_requests_total{operation, outcome}`: GraphQL operations over HTTP (each
//!   operation of a batch counts once), by operation name and outcome: `ok`, or the error code
//!   of the first error (`BAD_USER_INPUT`, `FORBIDDEN`, …; codes outside the documented set are
//!   `OTHER`). Requests refused before their operations are read (bad token, rate limit, body
//!   not JSON, batch too large) count under `operation="anonymous"`.
//! * `fengqiao_graphql_request_duration_seconds{operation}`: a histogram of the same, in
//!   seconds, from the handler's start (a batch entry: from its own start) to its answer.
//! * `fengqiao_graphql_subscriptions_active`, `fengqiao_graphql_subscriptions_started_total`.
//! * `fengqiao_db_pool_connections{state="idle"|"in_use"}`, `fengqiao_db_pool_max_connections`.
//! * `fengqiao_outbox_backlog`: outbox events waiting for delivery (one `COUNT` per scrape).
//! * `fengqiao_graphql_operation_names`, `fengqiao_start_time_seconds`, `fengqiao_build_info`.
//!
//! The operation label is bounded: an operation without a name, or with one that is not a
//! GraphQL name, is `anonymous`; a new name is admitted only for an operation that passed the
//! checks of `/graphql` (so the name was found in a parsed document), and only until
//! [`MAX_OPERATION_NAMES`] names are known; later ones are `other`.
//!
//! Recording is a mutex-protected map and atomics: it never touches the database, so the
//! pipeline's "no SQL before rejection" holds. Reading is for operators: with
//! `FENGQIAO_METRICS_TOKEN` set, a request must carry `Authorization: Bearer <token>` (from
//! anywhere); without it, only loopback callers are served, and not through a proxy (a request
//! carrying `Forwarded`, `X-Forwarded-For` or `X-Real-IP` is refused).

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    net::{IpAddr, SocketAddr},
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{ConnectInfo, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::{app::AppState, config::ConfigError, error::code};

/// Distinct operation names kept as labels; later names are counted as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// Longest operation name kept as a label.
pub const MAX_NAME_LEN: usize = 64;
/// Upper bounds of the latency histogram buckets, in seconds (`+Inf` is added).
pub const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Label of unnamed operations and of requests refused before their operations were read.
pub const ANONYMOUS: &str = "anonymous";
/// Label of names beyond [`MAX_OPERATION_NAMES`], and of unknown names of refused operations.
pub const OTHER: &str = "other";
/// The environment variable of the scrape token.
pub const TOKEN_VAR: &str = "FENGQIAO_METRICS_TOKEN";
/// Shortest scrape token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

/// Outcome labels: `ok` and the stable error codes; anything else is `OTHER`.
const OUTCOMES: [&str; 11] = [
    "ok",
    code::UNAUTHENTICATED,
    code::FORBIDDEN,
    code::NOT_FOUND,
    code::BAD_USER_INPUT,
    code::CONFLICT,
    code::RATE_LIMITED,
    code::IDEMPOTENCY_KEY_REUSED,
    code::INTERNAL,
    "PERSISTED_QUERY_NOT_FOUND",
    "OTHER",
];

/// The bearer token that may read `/metrics` (`FENGQIAO_METRICS_TOKEN`); never printed.
#[derive(Clone)]
pub struct MetricsToken(String);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(<redacted>)")
    }
}

impl MetricsToken {
    /// A token of at least [`MIN_TOKEN_LEN`] characters.
    pub fn new(token: &str) -> Result<Self, ConfigError> {
        let t = token.trim();
        if t.len() < MIN_TOKEN_LEN || t.chars().any(char::is_whitespace) {
            return Err(ConfigError::Invalid {
                name: TOKEN_VAR,
                reason: format!("must be at least {MIN_TOKEN_LEN} characters without spaces"),
            });
        }
        Ok(MetricsToken(t.to_owned()))
    }

    /// `FENGQIAO_METRICS_TOKEN`, when set and not blank.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        match std::env::var(TOKEN_VAR) {
            Ok(v) if !v.trim().is_empty() => Self::new(&v).map(Some),
            _ => Ok(None),
        }
    }

    /// Compares in time independent of where the first difference is.
    fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Who may read `/metrics`: `Ok`, or the status to answer.
pub fn allowed(token: Option<&MetricsToken>, peer: IpAddr, headers: &HeaderMap) -> Result<(), StatusCode> {
    match token {
        Some(t) => {
            let presented = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .map(str::trim);
            match presented {
                Some(p) if t.matches(p) => Ok(()),
                _ => Err(StatusCode::UNAUTHORIZED),
            }
        }
        None => {
            let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|h| headers.contains_key(*h));
            if peer.to_canonical().is_loopback() && !proxied {
                Ok(())
            } else {
                Err(StatusCode::FORBIDDEN)
            }
        }
    }
}

/// Counts of one operation label.
#[derive(Default)]
struct OpStats {
    outcomes: [u64; OUTCOMES.len()],
    /// Per bucket (not cumulative); the last one is `+Inf`.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Registry {
    ops: BTreeMap<String, OpStats>,
    /// Names admitted as labels (not counting `anonymous` and `other`).
    names: usize,
}

/// The counters of one running application (one per router, so test apps do not mix).
pub struct Metrics {
    registry: Mutex<Registry>,
    subscriptions_active: AtomicI64,
    subscriptions_started: AtomicU64,
    started: SystemTime,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            registry: Mutex::default(),
            subscriptions_active: AtomicI64::new(0),
            subscriptions_started: AtomicU64::new(0),
            started: SystemTime::now(),
        }
    }
}

/// A GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`) of at most [`MAX_NAME_LEN`] characters.
fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
        && name.len() <= MAX_NAME_LEN
}

/// The outcome label of an error code.
pub fn outcome_label(code: &str) -> &'static str {
    OUTCOMES
        .iter()
        .find(|o| **o == code && **o != "ok")
        .copied()
        .unwrap_or("OTHER")
}

/// The outcome label of a response: `ok` without errors, else the first error's code.
pub fn outcome_of(resp: &async_graphql::Response) -> &'static str {
    match resp.errors.first() {
        None => "ok",
        Some(e) => {
            let code = e
                .extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .and_then(|v| match v {
                    async_graphql::Value::String(s) => Some(s.as_str()),
                    async_graphql::Value::Enum(n) => Some(n.as_str()),
                    _ => None,
                })
                .unwrap_or("");
            outcome_label(code)
        }
    }
}

impl Metrics {
    /// Fresh counters.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Records one operation. `name` is the operation's name as far as known; `admitted`
    /// says it passed the checks of `/graphql`, so a new name may become a label.
    pub fn record(&self, name: Option<&str>, admitted: bool, outcome: &str, elapsed: Duration) {
        let outcome = if outcome == "ok" {
            0
        } else {
            index_of(outcome_label(outcome))
        };
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        let Ok(mut reg) = self.registry.lock() else {
            return;
        };
        let label = match name.filter(|n| valid_name(n)) {
            None => ANONYMOUS,
            Some(n) if reg.ops.contains_key(n) && n != OTHER && n != ANONYMOUS => n,
            Some(n) if admitted && reg.names < MAX_OPERATION_NAMES && n != OTHER && n != ANONYMOUS => {
                reg.names += 1;
                n
            }
            Some(_) => OTHER,
        };
        if !reg.ops.contains_key(label) {
            reg.ops.insert(label.to_owned(), OpStats::default());
        }
        if let Some(s) = reg.ops.get_mut(label) {
            s.outcomes[outcome] += 1;
            s.buckets[bucket] += 1;
            s.sum += secs;
            s.count += 1;
        }
    }

    /// Counts a running subscription until the guard is dropped.
    pub fn subscription(self: &Arc<Self>) -> SubscriptionGuard {
        self.subscriptions_active.fetch_add(1, Ordering::SeqCst);
        self.subscriptions_started.fetch_add(1, Ordering::SeqCst);
        SubscriptionGuard(self.clone())
    }

    /// Subscriptions running now.
    pub fn active_subscriptions(&self) -> i64 {
        self.subscriptions_active.load(Ordering::SeqCst)
    }

    /// The exposition text.
    pub fn render(&self, pool: Option<PoolStats>, backlog: Option<u64>) -> String {
        let mut out = String::with_capacity(4096);
        let (requests, histogram, names) = match self.registry.lock() {
            Ok(reg) => {
                let mut requests = String::new();
                let mut histogram = String::new();
                for (op, s) in &reg.ops {
                    let op = escape(op);
                    for (i, n) in s.outcomes.iter().enumerate().filter(|(_, n)| **n > 0) {
                        let _ = writeln!(
                            requests,
                            "fengqiao_graphql_requests_total{{operation=\"{op}\",outcome=\"{}\"}} {n}",
                            OUTCOMES[i]
                        );
                    }
                    let mut cumulative = 0;
                    for (i, n) in s.buckets.iter().enumerate() {
                        cumulative += n;
                        let le = BUCKETS
                            .get(i)
                            .map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
                        let _ = writeln!(
                            histogram,
                            "fengqiao_graphql_request_duration_seconds_bucket{{operation=\"{op}\",le=\"{le}\"}} {cumulative}"
                        );
                    }
                    let _ = writeln!(
                        histogram,
                        "fengqiao_graphql_request_duration_seconds_sum{{operation=\"{op}\"}} {}",
                        s.sum
                    );
                    let _ = writeln!(
                        histogram,
                        "fengqiao_graphql_request_duration_seconds_count{{operation=\"{op}\"}} {}",
                        s.count
                    );
                }
                (requests, histogram, reg.names)
            }
            Err(_) => (String::new(), String::new(), 0),
        };
        family(
            &mut out,
            "fengqiao_graphql_requests_total",
            "counter",
            "GraphQL operations over HTTP by operation name and outcome (ok or the error code).",
            &requests,
        );
        family(
            &mut out,
            "fengqiao_graphql_request_duration_seconds",
            "histogram",
            "Time to answer a GraphQL operation, in seconds.",
            &histogram,
        );
        family(
            &mut out,
            "fengqiao_graphql_operation_names",
            "gauge",
            &format!(
                "Operation names kept as labels (at most {MAX_OPERATION_NAMES}; later ones are \"other\")."
            ),
            &format!("fengqiao_graphql_operation_names {names}\n"),
        );
        family(
            &mut out,
            "fengqiao_graphql_subscriptions_active",
            "gauge",
            "Subscriptions running over /graphql/ws.",
            &format!(
                "fengqiao_graphql_subscriptions_active {}\n",
                self.active_subscriptions()
            ),
        );
        family(
            &mut out,
            "fengqiao_graphql_subscriptions_started_total",
            "counter",
            "Subscriptions started over /graphql/ws.",
            &format!(
                "fengqiao_graphql_subscriptions_started_total {}\n",
                self.subscriptions_started.load(Ordering::SeqCst)
            ),
        );
        if let Some(p) = pool {
            family(
                &mut out,
                "fengqiao_db_pool_connections",
                "gauge",
                "Open database connections of the pool, idle or in use.",
                &format!(
                    "fengqiao_db_pool_connections{{state=\"idle\"}} {}\nfengqiao_db_pool_connections{{state=\"in_use\"}} {}\n",
                    p.idle,
                    p.size.saturating_sub(p.idle)
                ),
            );
            family(
                &mut out,
                "fengqiao_db_pool_max_connections",
                "gauge",
                "Largest size of the database pool.",
                &format!("fengqiao_db_pool_max_connections {}\n", p.max),
            );
        }
        if let Some(n) = backlog {
            family(
                &mut out,
                "fengqiao_outbox_backlog",
                "gauge",
                "Outbox events waiting for delivery to platforms.",
                &format!("fengqiao_outbox_backlog {n}\n"),
            );
        }
        let start = self
            .started
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        family(
            &mut out,
            "fengqiao_start_time_seconds",
            "gauge",
            "When this process started counting, in Unix seconds.",
            &format!("fengqiao_start_time_seconds {start}\n"),
        );
        family(
            &mut out,
            "fengqiao_build_info",
            "gauge",
            "The running version.",
            &format!(
                "fengqiao_build_info{{version=\"{}\"}} 1\n",
                env!("CARGO_PKG_VERSION")
            ),
        );
        out
    }
}

fn index_of(outcome: &str) -> usize {
    OUTCOMES
        .iter()
        .position(|o| *o == outcome)
        .unwrap_or(OUTCOMES.len() - 1)
}

fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    out.push_str(samples);
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Decrements the active-subscription gauge when dropped.
pub struct SubscriptionGuard(Arc<Metrics>);

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        self.0.subscriptions_active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The pool's connections.
#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    /// Open connections.
    pub size: u32,
    /// Open and idle.
    pub idle: u32,
    /// Largest size.
    pub max: u32,
}

/// The sqlx pool behind `db`, when there is one.
pub fn pool_stats(db: &DatabaseConnection) -> Option<PoolStats> {
    use sea_orm::DatabaseConnectionType as T;
    match (&db.inner, db.get_database_backend()) {
        (T::SqlxSqlitePoolConnection(_), DbBackend::Sqlite) => {
            let p = db.get_sqlite_connection_pool();
            Some(PoolStats {
                size: p.size(),
                idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
                max: p.options().get_max_connections(),
            })
        }
        (T::SqlxPostgresPoolConnection(_), DbBackend::Postgres) => {
            let p = db.get_postgres_connection_pool();
            Some(PoolStats {
                size: p.size(),
                idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
                max: p.options().get_max_connections(),
            })
        }
        _ => None,
    }
}

/// `GET /metrics`.
pub async fn serve(
    State(app): State<Arc<AppState>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Err(status) = allowed(app.config.metrics_token.as_ref(), addr.ip(), &headers) {
        let mut res = (
            status,
            if status == StatusCode::UNAUTHORIZED {
                "metrics: send Authorization: Bearer <FENGQIAO_METRICS_TOKEN>\n"
            } else {
                "metrics: served to loopback callers only; set FENGQIAO_METRICS_TOKEN to scrape from elsewhere\n"
            },
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        return res;
    }
    let backlog = match crate::service::outbox::backlog(&app.db).await {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: could not count the outbox backlog");
            None
        }
    };
    let body = metrics.render(pool_stats(&app.db), backlog);
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded() {
        let m = Metrics::new();
        let d = Duration::from_millis(3);
        m.record(None, true, "ok", d);
        m.record(Some("bad name!"), true, "ok", d);
        for i in 0..MAX_OPERATION_NAMES + 5 {
            m.record(Some(&format!("Op{i}")), true, "ok", d);
        }
        m.record(Some("Unchecked"), false, "BAD_USER_INPUT", d);
        m.record(Some("Op0"), false, "WHATEVER", d);
        let text = m.render(None, None);
        assert!(text.contains("fengqiao_graphql_requests_total{operation=\"anonymous\",outcome=\"ok\"} 2"));
        assert!(text.contains("fengqiao_graphql_requests_total{operation=\"other\",outcome=\"ok\"} 5"));
        assert!(text
            .contains("fengqiao_graphql_requests_total{operation=\"other\",outcome=\"BAD_USER_INPUT\"} 1"));
        assert!(text.contains("fengqiao_graphql_requests_total{operation=\"Op0\",outcome=\"OTHER\"} 1"));
        assert!(text.contains(&format!("fengqiao_graphql_operation_names {MAX_OPERATION_NAMES}")));
    }

    #[test]
    fn access_rule() {
        let none = HeaderMap::new();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let far: IpAddr = "10.1.2.3".parse().unwrap();
        assert_eq!(allowed(None, lo, &none), Ok(()));
        assert_eq!(allowed(None, "::ffff:127.0.0.1".parse().unwrap(), &none), Ok(()));
        assert_eq!(allowed(None, far, &none), Err(StatusCode::FORBIDDEN));
        let mut fwd = HeaderMap::new();
        fwd.insert("x-forwarded-for", "10.1.2.3".parse().unwrap());
        assert_eq!(allowed(None, lo, &fwd), Err(StatusCode::FORBIDDEN));
        let t = MetricsToken::new("0123456789abcdef-token").unwrap();
        assert_eq!(allowed(Some(&t), lo, &none), Err(StatusCode::UNAUTHORIZED));
        let mut ok = HeaderMap::new();
        ok.insert(
            header::AUTHORIZATION,
            "Bearer 0123456789abcdef-token".parse().unwrap(),
        );
        assert_eq!(allowed(Some(&t), far, &ok), Ok(()));
        let mut bad = HeaderMap::new();
        bad.insert(
            header::AUTHORIZATION,
            "Bearer 0123456789abcdef-tokeX".parse().unwrap(),
        );
        assert_eq!(allowed(Some(&t), far, &bad), Err(StatusCode::UNAUTHORIZED));
        assert!(MetricsToken::new("short").is_err());
        assert_eq!(format!("{t:?}"), "MetricsToken(<redacted>)");
    }
}
