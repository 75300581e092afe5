//! Token buckets for rate limits per actor, client and address.
//!
//! One instance keeps its buckets in memory. Several instances on one PostgreSQL database
//! share them through the `rate_buckets` table, so a limit holds for the whole service
//! whichever instance a load balancer picks. A round trip per request would cost every
//! request a write, so an instance takes tokens from the shared bucket in chunks (a
//! twentieth of the limit, at least what the request needs) and spends them locally for a
//! few seconds; tokens it took and did not spend are lost, never returned, so the shared
//! limit is never exceeded — at worst, while traffic moves between instances, a caller gets
//! a chunk per instance less than its limit. If the database does not answer, the instance
//! falls back to its own buckets (the service stays up; the limit is then per instance).
//!
//! The buckets have a small pool of their own with short timeouts: counting a request never
//! waits behind the requests' own pool, and never takes a connection a request needs.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// Most buckets kept before idle ones are dropped.
const MAX_BUCKETS: usize = 100_000;

/// How long tokens taken from the shared bucket may be spent here.
const HOLD: Duration = Duration::from_secs(5);

/// How often rows of idle shared buckets are removed (a bucket idle for a minute is full,
/// which is what a missing row means).
const PRUNE_EVERY: Duration = Duration::from_secs(60);

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// In-memory buckets, each refilled continuously at `per_minute` and holding at most
/// `per_minute` tokens (so a burst of a minute's allowance is possible after a quiet minute).
#[derive(Default)]
struct Local {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Local {
    fn take(&self, key: &str, per_minute: u32, n: u32) -> Result<(), u64> {
        let cap = f64::from(per_minute);
        let rate = cap / 60.0;
        let want = f64::from(n);
        let now = Instant::now();
        let Ok(mut map) = self.buckets.lock() else {
            return Ok(());
        };
        if map.len() >= MAX_BUCKETS {
            map.retain(|_, b| now.duration_since(b.at) < Duration::from_secs(120));
        }
        let b = map
            .entry(key.to_owned())
            .or_insert(Bucket { tokens: cap, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(cap);
        b.at = now;
        if b.tokens >= want {
            b.tokens -= want;
            Ok(())
        } else {
            Err(retry_after(b.tokens, want, rate))
        }
    }
}

fn retry_after(have: f64, want: f64, per_second: f64) -> u64 {
    ((want - have) / per_second).ceil().max(1.0) as u64
}

/// Tokens this instance took from a shared bucket and may still spend.
struct Held {
    tokens: u32,
    until: Instant,
}

struct Shared {
    db: DatabaseConnection,
    held: Mutex<HashMap<String, Held>>,
    /// One refill of a key at a time: concurrent requests wait for it and spend its chunk,
    /// instead of each taking a chunk of their own.
    refilling: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    pruner: tokio::task::AbortHandle,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.pruner.abort();
    }
}

/// The service's rate limits: in memory, or shared by every instance on one PostgreSQL
/// database.
#[derive(Default)]
pub struct RateLimiter {
    local: Local,
    shared: Option<Shared>,
}

/// Refills the stored bucket to now, grants up to `$3` whole tokens when at least `$4` are
/// there, and keeps the rest; one statement, so concurrent instances cannot both spend one
/// token.
const TAKE_SQL: &str = "INSERT INTO rate_buckets AS b (key, tokens, granted, at) \
     VALUES ($1, $2 - $3, $3, clock_timestamp()) \
     ON CONFLICT (key) DO UPDATE SET \
     granted = CASE WHEN {r} >= $4 THEN LEAST($3, FLOOR({r}))::int ELSE 0 END, \
     tokens = {r} - CASE WHEN {r} >= $4 THEN LEAST($3, FLOOR({r})) ELSE 0 END, \
     at = clock_timestamp() \
     RETURNING granted, tokens";

/// The stored bucket refilled to now.
const REFILLED: &str = "LEAST($2::float8, b.tokens + \
     GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.at))::float8 * $2::float8 / 60.0)";

impl RateLimiter {
    /// Buckets in this process only.
    pub fn local() -> Self {
        RateLimiter::default()
    }

    /// Buckets shared through the PostgreSQL pool `db` (its own, see the module comment).
    pub fn shared(db: DatabaseConnection) -> Self {
        if db.get_database_backend() != DbBackend::Postgres {
            return Self::local();
        }
        let pruner = tokio::spawn(prune(db.clone())).abort_handle();
        RateLimiter {
            local: Local::default(),
            shared: Some(Shared {
                db,
                held: Mutex::default(),
                refilling: Mutex::default(),
                pruner,
            }),
        }
    }

    /// True when the buckets are shared by every instance.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Takes `n` tokens from `key`'s bucket; `Err(seconds)` tells when they are available.
    pub async fn take(&self, key: &str, per_minute: u32, n: u32) -> Result<(), u64> {
        let n = n.max(1);
        if per_minute == 0 || n > per_minute {
            return Err(60);
        }
        let Some(shared) = &self.shared else {
            return self.local.take(key, per_minute, n);
        };
        if shared.spend(key, n) {
            return Ok(());
        }
        let gate = match shared.refilling.lock() {
            Ok(mut map) => {
                if map.len() >= MAX_BUCKETS {
                    map.retain(|_, g| std::sync::Arc::strong_count(g) > 1);
                }
                map.entry(key.to_owned()).or_default().clone()
            }
            Err(_) => std::sync::Arc::default(),
        };
        let _refill = gate.lock().await;
        // Someone else may have refilled while this request waited.
        if shared.spend(key, n) {
            return Ok(());
        }
        let now = Instant::now();
        let chunk = n.max(per_minute.div_ceil(20));
        let taken = shared
            .db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                TAKE_SQL.replace("{r}", REFILLED),
                [
                    key.into(),
                    f64::from(per_minute).into(),
                    i32::try_from(chunk).unwrap_or(i32::MAX).into(),
                    i32::try_from(n).unwrap_or(i32::MAX).into(),
                ],
            ))
            .await
            .and_then(|row| {
                let row = row.ok_or_else(|| sea_orm::DbErr::Custom("no bucket row".into()))?;
                Ok((
                    row.try_get::<i32>("", "granted")?,
                    row.try_get::<f64>("", "tokens")?,
                ))
            });
        let (granted, left) = match taken {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "shared rate limits unreachable; this instance counts alone");
                return self.local.take(key, per_minute, n);
            }
        };
        let granted = u32::try_from(granted).unwrap_or(0);
        if granted < n {
            return Err(retry_after(left, f64::from(n), f64::from(per_minute) / 60.0));
        }
        if let Ok(mut held) = shared.held.lock() {
            if held.len() >= MAX_BUCKETS {
                held.retain(|_, h| h.until > now);
            }
            let h = held.entry(key.to_owned()).or_insert(Held {
                tokens: 0,
                until: now,
            });
            if h.until <= now {
                h.tokens = 0;
            }
            h.tokens += granted - n;
            h.until = now + HOLD;
        }
        Ok(())
    }
}

impl Shared {
    /// Spends `n` held tokens of `key` if there are enough.
    fn spend(&self, key: &str, n: u32) -> bool {
        let now = Instant::now();
        let Ok(mut held) = self.held.lock() else {
            return false;
        };
        match held.get_mut(key) {
            Some(h) if h.until > now && h.tokens >= n => {
                h.tokens -= n;
                true
            }
            _ => false,
        }
    }
}

async fn prune(db: DatabaseConnection) {
    loop {
        tokio::time::sleep(PRUNE_EVERY).await;
        if let Err(e) = db
            .execute_unprepared(
                "DELETE FROM rate_buckets WHERE at < clock_timestamp() - interval '2 minutes'",
            )
            .await
        {
            tracing::debug!(error = %e, "could not prune idle rate buckets");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bucket_empties_and_tells_when_to_retry() {
        let r = RateLimiter::local();
        for _ in 0..3 {
            assert_eq!(r.take("a", 3, 1).await, Ok(()));
        }
        let retry = r.take("a", 3, 1).await;
        assert!(matches!(retry, Err(s) if (1..=20).contains(&s)), "{retry:?}");
        assert_eq!(r.take("b", 3, 1).await, Ok(()), "buckets are separate");
        assert_eq!(r.take("c", 3, 4).await, Err(60), "more than a minute's allowance");
        assert_eq!(
            r.take("c", 3, 3).await,
            Ok(()),
            "a batch takes its tokens at once"
        );
    }
}
