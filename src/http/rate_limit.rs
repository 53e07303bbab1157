//! A token bucket per API key: `rate` requests a second sustained, `burst` at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// Failed authentications per client address: a token bucket each. An address whose
/// bucket ran dry is refused, until it refills, before its key is even looked up, so a
/// flood of bad keys costs no database round trip.
#[derive(Clone)]
pub struct AuthFailures {
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    blocked: Arc<Mutex<HashMap<IpAddr, Instant>>>,
}

impl AuthFailures {
    /// A rate of 0 turns the limit off.
    pub fn new(rate_per_second: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(rate_per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)))
        });
        Self { limiter, blocked: Arc::default() }
    }

    /// `Err(wait)` while the address is refused.
    pub fn check(&self, address: IpAddr) -> Result<(), Duration> {
        let Ok(blocked) = self.blocked.lock() else { return Ok(()) };
        match blocked.get(&address).map(|until| until.saturating_duration_since(Instant::now())) {
            Some(wait) if !wait.is_zero() => Err(wait),
            _ => Ok(()),
        }
    }

    /// Counts one failure; `Err(wait)` when it was over the limit, and the address is
    /// refused for that long.
    pub fn failed(&self, address: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        let checked = limiter.check_key(&address);
        // Every failing address gets a bucket: forget the full ones when they pile up.
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        let Err(not_until) = checked else { return Ok(()) };
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        if let Ok(mut blocked) = self.blocked.lock() {
            let now = Instant::now();
            if blocked.len() > 100_000 {
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(address, now + wait);
        }
        Err(wait)
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
    fn an_address_that_fails_too_often_is_refused_until_its_bucket_refills() {
        let failures = AuthFailures::new(1, 2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!(failures.failed(a).is_ok() && failures.failed(a).is_ok());
        assert!(failures.check(a).is_ok(), "two failures are within the burst");
        let wait = failures.failed(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(failures.check(a).is_err(), "refused before any lookup");
        assert!(failures.check(b).is_ok() && failures.failed(b).is_ok(), "addresses do not share a bucket");
        let off = AuthFailures::new(0, 0);
        assert!((0..1_000).all(|_| off.failed(a).is_ok() && off.check(a).is_ok()));
    }

    #[test]
    fn a_rate_of_zero_is_no_limit() {
        let limiter = RateLimiter::new(0, 0);
        assert!((0..10_000).all(|_| limiter.check("a").is_ok()));
    }
}
