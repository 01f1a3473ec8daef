//! The truth checker: what each user last wrote and read, and what a
//! read's version means for them. A strategy answers a read with the
//! version its copy holds (every write of the key committed before the
//! oldest one the copy has not applied: see
//! [`super::placement::Strategy::on_read`]); everything a read is judged
//! on follows from that version here, once for every strategy:
//! - its staleness: how long before the read the oldest write it misses
//!   was committed ([`staleness`]); stale at bound T when at least T;
//! - read-your-writes and monotonic reads, per user (below).
//!
//! # Read-your-writes and monotonic reads
//! Per (user, dataset) the checker keeps the user's last write (key, the
//! copy that committed it, commit time, when its acknowledgement reached
//! the user) and last read (key, and the frontier of the version returned:
//! every write committed before it was in it). State is O(1) per user and
//! dataset, whatever the run's length: the checks cover the last key the
//! user wrote and the last one they read, which is exact when each user
//! has their own record (`popularity: per-user`).
//!
//! A copy's version of a key holds every write committed before the
//! oldest one it has not applied (single-primary streams and active-active
//! FIFO streams apply in commit order), or every write committed by now
//! when it has applied all. So:
//! - a read sent after the user's write was acknowledged misses it (RYW
//!   violation) iff the copy it reads has not applied that write
//!   ([`super::placement::Placement::missed`]);
//! - a read returns an older version than the user's previous read of the
//!   key (monotonic-read violation) iff its copy's oldest unapplied write
//!   was committed before the previous read's frontier.

use super::placement::{Placement, ReadServer};
use crate::engine::{Duration, Time};
use crate::scenario::{RegionId, Scenario};

/// No key (a user who has not written, or read, the dataset).
const NO_KEY: u32 = u32::MAX;

/// A read broke read-your-writes.
pub const RYW: u8 = 1;
/// A read broke monotonic reads.
pub const MONOTONIC: u8 = 2;

/// The staleness of a read at `now` of a version whose oldest missing
/// write was committed at `oldest` (`Time::NEVER`: it misses none): how
/// long before the read that write was committed, `None` if it misses
/// nothing.
#[inline(always)]
pub fn staleness(oldest: Time, now: Time) -> Option<Duration> {
    (oldest <= now).then(|| now.since(oldest))
}

/// What one user last wrote and read of one dataset: 32 bytes, so that
/// a record never straddles two cache lines (with 3 million users the
/// checker's load of it at each read is a cache miss; see
/// [`Truth::prefetch`]).
#[derive(Clone, Copy)]
#[repr(align(32))]
struct UserData {
    /// The key last written (27 bits), the key last read (27 bits) and the
    /// region whose copy committed the write (10 bits): see [`Packed`].
    keys: Packed,
    commit: Time,
    /// When the write's acknowledgement reached the user (`Time::NEVER`:
    /// not yet).
    acked: Time,
    /// Every write of the read key committed before this was in the
    /// version the user last read.
    frontier: Time,
}

/// Two keys and a region in one word. Keys are below
/// [`crate::scenario::limits::MAX_KEYS`] (10^8 < 2^27, so 2^27 - 1 is free
/// for "no key") and regions below
/// [`crate::scenario::limits::MAX_REGIONS`] (1,000 < 2^10).
#[derive(Clone, Copy)]
struct Packed(u64);

const KEY_BITS: u32 = 27;
const KEY_MASK: u64 = (1 << KEY_BITS) - 1;
const NO_PACKED_KEY: u64 = KEY_MASK;
const _: () = assert!((crate::scenario::limits::MAX_KEYS as u64) < NO_PACKED_KEY);
const _: () = assert!(crate::scenario::limits::MAX_REGIONS <= 1 << (64 - 2 * KEY_BITS));

impl Packed {
    #[inline(always)]
    fn key(k: u32) -> u64 {
        if k == NO_KEY {
            NO_PACKED_KEY
        } else {
            u64::from(k)
        }
    }
    #[inline(always)]
    fn is_write_key(self, k: u32) -> bool {
        self.0 & KEY_MASK == Packed::key(k)
    }
    #[inline(always)]
    fn has_write(self) -> bool {
        self.0 & KEY_MASK != NO_PACKED_KEY
    }
    #[inline(always)]
    fn is_read_key(self, k: u32) -> bool {
        (self.0 >> KEY_BITS) & KEY_MASK == Packed::key(k)
    }
    #[inline(always)]
    fn write_node(self) -> RegionId {
        RegionId((self.0 >> (2 * KEY_BITS)) as u16)
    }
    #[inline(always)]
    fn set_write(&mut self, k: u32, node: RegionId) {
        self.0 = (self.0 & (KEY_MASK << KEY_BITS))
            | Packed::key(k)
            | (u64::from(node.0) << (2 * KEY_BITS));
    }
    #[inline(always)]
    fn set_read(&mut self, k: u32) {
        self.0 = (self.0 & !(KEY_MASK << KEY_BITS)) | (Packed::key(k) << KEY_BITS);
    }
}

const NO_DATA: UserData = UserData {
    keys: Packed(NO_PACKED_KEY | (NO_PACKED_KEY << KEY_BITS)),
    commit: Time::ZERO,
    acked: Time::NEVER,
    frontier: Time::ZERO,
};

/// What every user last wrote and read, per dataset.
pub(super) struct Truth {
    /// Per dataset, per user (empty for a dataset no user uses).
    data: Vec<Vec<UserData>>,
}

impl Truth {
    /// Nothing written or read yet by the users of `scenario`.
    pub fn new(scenario: &Scenario) -> Truth {
        let mut data: Vec<Vec<UserData>> = vec![Vec::new(); scenario.datasets.len()];
        for w in scenario.workload.iter().filter(|w| w.users.is_some()) {
            let d = &mut data[usize::from(w.dataset.0)];
            if d.is_empty() {
                *d = vec![NO_DATA; scenario.users as usize];
            }
        }
        Truth { data }
    }

    /// Asks the processor for what `user` last wrote and read of dataset
    /// `d`, ahead of their request.
    #[inline]
    pub fn prefetch(&self, d: u16, user: u32) {
        if let Some(w) = self.data[usize::from(d)].get(user as usize) {
            crate::engine::prefetch(w);
        }
    }

    /// `user`'s write of `key` to dataset `d` committed at `commit` in the
    /// copy of `node`.
    #[inline]
    pub fn wrote(&mut self, d: u16, user: u32, key: u32, node: RegionId, commit: Time) {
        let w = &mut self.data[usize::from(d)][user as usize];
        w.keys.set_write(key, node);
        w.commit = commit;
        w.acked = Time::NEVER;
    }

    /// The acknowledgement of `user`'s write of `key` reached them at `at`.
    #[inline]
    pub fn acked(&mut self, d: u16, user: u32, key: u32, at: Time) {
        let w = &mut self.data[usize::from(d)][user as usize];
        if w.keys.is_write_key(key) && w.acked == Time::NEVER {
            w.acked = at;
        }
    }

    /// The copy and commit time of `user`'s last write of `key` to dataset
    /// `d`, if its acknowledgement reached them by `sent`.
    pub fn unseen_write(
        &self,
        d: u16,
        user: u32,
        key: u32,
        sent: Time,
    ) -> Option<(RegionId, Time)> {
        let w = &self.data[usize::from(d)][user as usize];
        (w.keys.is_write_key(key) && w.acked <= sent).then_some((w.keys.write_node(), w.commit))
    }

    /// Whether a write of `user` to dataset `d` was acknowledged to them
    /// less than `x` before `now`.
    pub fn wrote_within(&self, d: u16, user: u32, now: Time, x: Duration) -> bool {
        let w = &self.data[usize::from(d)][user as usize];
        w.keys.has_write() && w.acked <= now && now < w.acked + x
    }

    /// `user`'s read of `key` in dataset `d`, sent at `sent`, is served at
    /// `now` by `server` in `node`, whose oldest unapplied write of the key
    /// was committed at `oldest` (`Time::NEVER`: none). Returns the
    /// anomalies ([`RYW`], [`MONOTONIC`]) and moves the user's frontier.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn read(
        &mut self,
        d: u16,
        user: u32,
        key: u32,
        sent: Time,
        now: Time,
        oldest: Time,
        placement: &Placement,
        server: ReadServer,
    ) -> u8 {
        let w = &mut self.data[usize::from(d)][user as usize];
        let mut found = 0;
        if w.keys.is_write_key(key)
            && w.acked <= sent
            && oldest <= w.commit
            && placement.missed(server, key, w.keys.write_node(), w.commit)
        {
            found |= RYW;
        }
        // The version holds every write committed before this.
        let frontier = if oldest <= now {
            oldest
        } else {
            now + Duration::from_nanos(1)
        };
        let same = w.keys.is_read_key(key);
        if same && frontier < w.frontier {
            found |= MONOTONIC;
        }
        if !same || frontier > w.frontier {
            w.keys.set_read(key);
            w.frontier = frontier;
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::net::Network;
    use crate::scenario::DatasetId;

    fn t(ms: u64) -> Time {
        Time::ZERO + Duration::from_millis(ms)
    }

    /// One user, one key, a replica in b: a constructed history with one
    /// monotonic-read violation, and a write the user is owed (whose
    /// read-your-writes violations the integration tests count on runs).
    #[test]
    fn a_constructed_history_has_its_one_monotonic_violation() {
        let s = crate::scenario::from_str(
            "name: n\nduration: 10s\nregions: [{name: a, jurisdiction: X}, {name: b, jurisdiction: X}]\n\
             network: {intra_region: 1ms, links: [{between: [a, b], delay: 40ms}]}\n\
             datasets: [{name: d, keys: 1, popularity: per-user, placement: {single-primary: {primary: a, replicas: [b], apply_time: 1ms}}}]\n\
             workload: [{region: b, users: 1, rates: {d: {reads_per_s: 1, writes_per_s: 1}}}]\n",
            std::path::Path::new("n.yaml"),
            crate::metrics::figure_shape,
        )
        .unwrap();
        let net = Network::new(&s);
        let p = Placement::new(&s, DatasetId(0), &net, 0);
        let mut truth = Truth::new(&s);
        let replica = ReadServer::Replica(0);
        assert_eq!(staleness(Time::NEVER, t(5)), None);
        assert_eq!(staleness(t(2), t(5)), Some(Duration::from_millis(3)));
        // A read of a version that misses a write of 5 ms, then one that
        // misses a write of 3 ms: an older version than the first.
        assert_eq!(truth.read(0, 0, 0, t(10), t(10), t(5), &p, replica), 0);
        assert_eq!(
            truth.read(0, 0, 0, t(12), t(12), t(3), &p, replica),
            MONOTONIC
        );
        // A version with every write is newer than any.
        assert_eq!(
            truth.read(0, 0, 0, t(20), t(20), Time::NEVER, &p, replica),
            0
        );
        // The user's write at a, acknowledged at 90 ms: owed to reads sent
        // after that.
        truth.wrote(0, 0, 0, RegionId(0), t(50));
        truth.acked(0, 0, 0, t(90));
        assert!(truth.wrote_within(0, 0, t(100), Duration::from_millis(20)));
        assert!(!truth.wrote_within(0, 0, t(120), Duration::from_millis(20)));
        assert_eq!(
            truth.unseen_write(0, 0, 0, t(95)),
            Some((RegionId(0), t(50)))
        );
        assert_eq!(truth.unseen_write(0, 0, 0, t(80)), None);
        assert_eq!(
            truth.read(0, 0, 0, t(95), t(95), Time::NEVER, &p, replica),
            0,
            "a version with every write holds the user's"
        );
    }
}
