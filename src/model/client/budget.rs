//! A retry budget as Finagle keeps one (`RetryBudget`, twitter/finagle
//! `finagle-core/.../service/RetryBudget.scala`): every request deposits,
//! every retry withdraws, and deposits and withdrawals expire after `ttl`,
//! so over any `ttl` a client retries at most `share` of its requests plus
//! `min_per_s` a second (Finagle's defaults: 20 %, 10 a second, 10 s).
//!
//! As Finagle does, in whole tokens: a request deposits 1,000, a retry
//! costs 1,000 / share, and a reserve of `min_per_s x ttl` retries is
//! always there. The window is kept in one-second slots (at most 60), so
//! its memory is fixed and nothing is allocated per request.

use crate::engine::Time;

/// Tokens a request deposits.
const DEPOSIT: i64 = 1000;

/// One client's retry budget.
#[derive(Clone, Debug)]
pub struct RetryBudget {
    /// Tokens a retry withdraws.
    withdrawal: i64,
    /// Tokens always available: `min_per_s x ttl` retries.
    reserve: i64,
    /// Net tokens deposited in each second of the window.
    slots: Vec<i64>,
    /// The second the newest slot holds.
    second: u64,
    /// The sum of the slots.
    balance: i64,
}

impl RetryBudget {
    /// A budget letting `share` of the requests (above 0) and `min_per_s`
    /// retries a second be retried, over a window of `ttl_s` seconds (1
    /// to 60).
    pub fn new(share: f64, min_per_s: f64, ttl_s: u32) -> RetryBudget {
        let withdrawal = (DEPOSIT as f64 / share).round().max(1.0) as i64;
        RetryBudget {
            withdrawal,
            reserve: (min_per_s * f64::from(ttl_s) * withdrawal as f64).round() as i64,
            slots: vec![0; ttl_s.max(1) as usize],
            second: 0,
            balance: 0,
        }
    }

    /// Moves the window to `now`: slots older than the window expire.
    fn advance(&mut self, now: Time) {
        let s = now.as_nanos() / 1_000_000_000;
        if s <= self.second {
            return;
        }
        let n = self.slots.len() as u64;
        for k in 1..=(s - self.second).min(n) {
            let i = ((self.second + k) % n) as usize;
            self.balance -= self.slots[i];
            self.slots[i] = 0;
        }
        self.second = s;
    }

    fn put(&mut self, tokens: i64) {
        let i = (self.second % self.slots.len() as u64) as usize;
        self.slots[i] += tokens;
        self.balance += tokens;
    }

    /// A request is sent at `now`.
    #[inline]
    pub fn deposit(&mut self, now: Time) {
        self.advance(now);
        self.put(DEPOSIT);
    }

    /// Whether a retry may be sent at `now` (it is then paid for).
    pub fn try_withdraw(&mut self, now: Time) -> bool {
        self.advance(now);
        if self.reserve + self.balance >= self.withdrawal {
            self.put(-self.withdrawal);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Duration;

    fn at_ms(ms: u64) -> Time {
        Time::ZERO + Duration::from_millis(ms)
    }

    #[test]
    fn a_fifth_of_the_requests_may_be_retried() {
        // 100 requests in the first second, no reserve: 20 retries, not 21.
        let mut b = RetryBudget::new(0.2, 0.0, 10);
        for i in 0..100 {
            b.deposit(at_ms(i));
        }
        let granted = (0..50).filter(|_| b.try_withdraw(at_ms(500))).count();
        assert_eq!(granted, 20);
        // Ten seconds later the deposits have expired, and so have the
        // withdrawals: nothing left, nothing owed.
        assert!(!b.try_withdraw(at_ms(10_500)));
        b.deposit(at_ms(10_600));
        assert!(!b.try_withdraw(at_ms(10_700)), "one request is 0.2 retries");
        for i in 0..4 {
            b.deposit(at_ms(10_800 + i));
        }
        assert!(b.try_withdraw(at_ms(10_900)), "five requests pay one retry");
    }

    #[test]
    fn the_reserve_allows_min_per_s_over_the_window() {
        // 10 a second over 10 s: 100 retries with no request at all.
        let mut b = RetryBudget::new(0.2, 10.0, 10);
        let granted = (0..150).filter(|_| b.try_withdraw(at_ms(100))).count();
        assert_eq!(granted, 100);
        // They expire with the window: 100 more after it.
        let granted = (0..150).filter(|_| b.try_withdraw(at_ms(10_100))).count();
        assert_eq!(granted, 100);
    }
}
