//! In-memory token buckets for rate limits per actor, client and address.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Most buckets kept before idle ones are dropped.
const MAX_BUCKETS: usize = 100_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A set of token buckets, each refilled continuously at `per_minute` and holding at most
/// `per_minute` tokens (so a burst of a minute's allowance is possible after a quiet minute).
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Takes one token from `key`'s bucket; `Err(seconds)` tells when one is next available.
    pub fn check(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        if per_minute == 0 {
            return Err(60);
        }
        let cap = f64::from(per_minute);
        let rate = cap / 60.0;
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
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_tells_when_to_retry() {
        let r = RateLimiter::default();
        for _ in 0..3 {
            assert_eq!(r.check("a", 3), Ok(()));
        }
        let retry = r.check("a", 3);
        assert!(matches!(retry, Err(s) if (1..=20).contains(&s)), "{retry:?}");
        assert_eq!(r.check("b", 3), Ok(()), "buckets are separate");
    }
}
