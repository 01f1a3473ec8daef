//! The k-th of n acknowledgement times.

use crate::engine::Time;

/// The acknowledgement times of one write, one per receiving copy: a fixed
/// buffer, so that a commit allocates nothing.
pub struct Acks {
    /// One per copy; `Time::NEVER` for one that has not answered (or will
    /// not).
    pub times: Vec<Time>,
}

impl Acks {
    /// Room for `n` copies' acknowledgements.
    pub fn new(n: usize) -> Acks {
        Acks {
            times: vec![Time::NEVER; n],
        }
    }

    /// The `k`-th earliest (1-based, 1 to n) of the times: when k copies
    /// have acknowledged (`Time::NEVER` if fewer ever will).
    pub fn kth(&mut self, k: usize) -> Time {
        let (_, t, _) = self.times.select_nth_unstable(k - 1);
        *t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kth_acknowledgement_is_the_kth_earliest() {
        let t = |ms: u64| Time::ZERO + crate::engine::Duration::from_millis(ms);
        let mut a = Acks::new(4);
        a.times.copy_from_slice(&[t(30), Time::NEVER, t(10), t(20)]);
        assert_eq!(a.kth(1), t(10));
        assert_eq!(a.kth(2), t(20));
        assert_eq!(a.kth(3), t(30));
        assert_eq!(a.kth(4), Time::NEVER);
    }
}
