//! Time, injected: the core crates never read the system clock themselves.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in whole seconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now_unix(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        unix_seconds(SystemTime::now())
    }
}

/// Whole seconds from the Unix epoch to `t`; negative for a clock set before 1970.
fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        // A clock set before 1970: report how far before, as a negative number.
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// A clock that says what the test tells it.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock fixed at `unix` seconds.
    pub fn new(unix: i64) -> Self {
        Self(AtomicI64::new(unix))
    }

    /// Moves the clock to `unix` seconds.
    pub fn set(&self, unix: i64) {
        self.0.store(unix, Ordering::SeqCst);
    }

    /// Moves the clock forward (or back, with a negative value).
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::new(1_000);
        assert_eq!(c.now_unix(), 1_000);
        c.advance(5);
        assert_eq!(c.now_unix(), 1_005);
        c.set(7);
        assert_eq!(c.now_unix(), 7);
    }

    #[test]
    fn system_clock_is_after_2020_and_before_2100() {
        let now = SystemClock.now_unix();
        assert!((1_577_836_800..4_102_444_800).contains(&now), "{now}");
    }

    #[test]
    fn seconds_before_the_epoch_are_negative() {
        use std::time::Duration;
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_secs(90)), 90);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(90)), -90);
    }

    #[test]
    fn shared_and_borrowed_clocks_read_the_clock_they_hold() {
        let fixed = std::sync::Arc::new(FixedClock::new(1_234));
        assert_eq!(fixed.now_unix(), 1_234);
        let borrowed: &FixedClock = &fixed;
        assert_eq!(Clock::now_unix(&borrowed), 1_234);
        let shared: std::sync::Arc<dyn Clock> = fixed.clone();
        fixed.advance(6);
        assert_eq!(Clock::now_unix(&shared), 1_240);
        assert_eq!(Clock::now_unix(&&*shared), 1_240);
    }
}
