//! Login throttling per client address (NIST SP 800-63B-4 §3.2.2 rate limiting): failed logins
//! from one address are counted over a sliding minute; past the limit, every login attempt from
//! that address is answered 429 `too_many_attempts` (with `Retry-After`) until the window has
//! moved on. This complements the per-account lockout in the service layer, which an attacker
//! spraying one password over many user names would not reach.
//!
//! The address is the TCP peer (`ConnectInfo`); behind a reverse proxy every client shares the
//! proxy's address, so the limit then applies to all of them together (documented in the README).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::ConnectInfo;

/// The client's address, from the connection (unknown in in-process tests: 0.0.0.0).
pub fn client_ip(peer: Option<Extension<ConnectInfo<SocketAddr>>>) -> IpAddr {
    peer.map(|Extension(ConnectInfo(a))| a.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// How many failed logins one address may make per window.
pub const DEFAULT_FAILURES_PER_MINUTE: usize = 30;
/// Addresses remembered at most (the oldest are forgotten first).
const MAX_ADDRESSES: usize = 10_000;

pub struct LoginThrottle {
    window: Duration,
    max_failures: usize,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(DEFAULT_FAILURES_PER_MINUTE, Duration::from_secs(60))
    }
}

impl LoginThrottle {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        LoginThrottle { window, max_failures, failures: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds to wait)` when the address has used up its failures in the window.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else { return Ok(()) };
        let Some(q) = map.get_mut(&ip) else { return Ok(()) };
        while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        if q.is_empty() {
            map.remove(&ip);
        }
        Ok(())
    }

    /// Counts a failed login from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else { return };
        if map.len() >= MAX_ADDRESSES && !map.contains_key(&ip) {
            // forget the address whose newest failure is the oldest
            if let Some(stale) = map.iter().min_by_key(|(_, q)| q.back().copied()).map(|(k, _)| *k) {
                map.remove(&stale);
            }
        }
        let q = map.entry(ip).or_default();
        q.push_back(now);
        while q.len() > self.max_failures {
            q.pop_front();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_failures_and_others_are_not() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(t.check(a).is_ok());
            t.failed(a);
        }
        let wait = t.check(a).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(t.check(b).is_ok());
    }

    #[test]
    fn the_window_slides() {
        let t = LoginThrottle::new(2, Duration::from_millis(50));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        t.failed(a);
        t.failed(a);
        assert!(t.check(a).is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(t.check(a).is_ok());
    }
}
