//! A token bucket per API key: `rate` requests a second sustained, `burst` at once.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// A token bucket per API key; `None` when the limit is off.
#[derive(Clone)]
pub struct RateLimiter {
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

impl RateLimiter {
    /// A rate of 0 turns the limit off.
    pub fn new(rate_per_second: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(rate_per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)))
        });
        Self { limiter }
    }

    /// `Err(wait)` when the key has no token left: how long until it has one.
    pub fn check(&self, key_hash: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        let key = key_hash.to_owned();
        let result =
            limiter.check_key(&key).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()));
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits() {
        let limiter = RateLimiter::new(1, 3);
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.check("b").is_ok(), "keys do not share a bucket");
    }

    #[test]
    fn a_rate_of_zero_is_no_limit() {
        let limiter = RateLimiter::new(0, 0);
        assert!((0..10_000).all(|_| limiter.check("a").is_ok()));
    }
}
