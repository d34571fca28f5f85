//! Reconnect delays: exponential backoff with full jitter.
//!
//! Pure: the random number is injected so the schedule is unit-tested
//! natively. Full jitter (a uniform delay in `[0, ceiling]`) spreads the
//! reconnects of thousands of widgets after a server restart instead of
//! having them all return in the same millisecond.

/// Delay of the first retry's ceiling, in milliseconds.
pub(crate) const BASE_MS: u32 = 500;
/// Largest ceiling, in milliseconds. Low, as Phoenix's client (which
/// stops growing at 5 s): a visitor whose network comes back after an
/// outage of any length is connected again within 4 s (issue 10: status
/// and chat resume within 5 s); full jitter still spreads the reconnects
/// of thousands of widgets after a restart over those 4 s.
pub(crate) const CAP_MS: u32 = 4_000;
/// Smallest delay: a refused socket must not be retried in a hot loop.
pub(crate) const FLOOR_MS: u32 = 100;

/// Delay before retry number `attempt` (0 for the first retry), given a
/// uniform random number `random` in `[0, 1)`.
pub(crate) fn delay_ms(attempt: u32, random: f64) -> u32 {
    let ceiling = BASE_MS
        .checked_shl(attempt.min(16))
        .unwrap_or(CAP_MS)
        .min(CAP_MS);
    let random = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((f64::from(ceiling) * random) as u32).max(FLOOR_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        assert_eq!(delay_ms(0, 0.999_999), 499);
        assert_eq!(delay_ms(1, 0.999_999), 999);
        assert_eq!(delay_ms(2, 0.999_999), 1_999);
        assert_eq!(delay_ms(3, 0.999_999), 3_999);
        assert_eq!(delay_ms(4, 0.999_999), 3_999);
        assert_eq!(delay_ms(7, 0.999_999), 3_999);
        assert_eq!(delay_ms(u32::MAX, 0.999_999), 3_999);
    }

    #[test]
    fn jitter_is_uniform_below_the_ceiling() {
        assert_eq!(delay_ms(2, 0.5), 1_000);
        assert_eq!(delay_ms(2, 0.25), 500);
    }

    #[test]
    fn floor_and_bad_randomness() {
        assert_eq!(delay_ms(5, 0.0), FLOOR_MS);
        assert_eq!(delay_ms(5, f64::NAN), FLOOR_MS);
        assert_eq!(delay_ms(1, 7.0), 1_000);
    }
}
