//! The writes a copy has not applied, in commit order, chained per key.
//!
//! Per key the queue keeps 16 bytes of state, in one of two layouts with
//! the same answers: a dense table with a slot for every key (one load per
//! read, the fast path), or a sparse map holding only keys with a write in
//! the queue. The dense table costs keys x 16 bytes per stream, which a
//! wide mesh multiplies by its streams (100,000 keys over the 870 streams
//! of a 30-region active-active mesh took 1.4 GiB); past [`DENSE_BUDGET`]
//! for one dataset's streams, they are sparse (see [`dense`]).

use crate::engine::{Duration, Time};
use std::collections::VecDeque;

/// A replicated write in a [`KeyedQueue`].
pub trait Queued {
    /// Its key.
    fn key(&self) -> u32;
    /// When it was committed.
    fn commit(&self) -> Time;
    /// The commit time of the next write of the same key behind it in the
    /// queue (`Time::NEVER`: none).
    fn next_commit(&mut self) -> &mut Time;
    /// When it is applied (`Time::NEVER`: not known, it has not left).
    fn applied(&self) -> Time;
}

/// What a queue tracks for one key: one cache line touch per key.
#[derive(Clone, Copy)]
pub struct KeyState {
    /// Commit time of the oldest write of the key not yet applied
    /// (`Time::NEVER` when the copy has them all).
    pub oldest_unapplied: Time,
    /// Sequence number of the key's newest message (0, or below the
    /// head's: none in the queue).
    pub last_seq: u64,
}

impl KeyState {
    const CAUGHT_UP: KeyState = KeyState {
        oldest_unapplied: Time::NEVER,
        last_seq: 0,
    };
}

/// Key-state bytes one dataset's streams may hold in dense tables: 64 MiB.
pub const DENSE_BUDGET: u64 = 16 << 20;

/// Bytes of one key's state.
pub const KEY_STATE_BYTES: u64 = std::mem::size_of::<KeyState>() as u64;

/// Whether `streams` streams of a dataset of `keys` keys keep their key
/// state dense (every key a slot) rather than sparse (only keys with a
/// write in flight). The memory estimate asks the same.
pub fn dense(keys: u32, streams: usize) -> bool {
    u64::from(keys) * streams as u64 * KEY_STATE_BYTES <= DENSE_BUDGET
}

/// A hasher for key numbers: one multiplication (Fibonacci hashing), whose
/// high bits the map's table uses. Lookups only: no order is ever read.
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, k: u32) {
        self.0 = (u64::from(k) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type KeyMap = std::collections::HashMap<u32, KeyState, std::hash::BuildHasherDefault<KeyHasher>>;

/// Keys held inline by a sparse layout before its map.
const INLINE_KEYS: usize = 4;

/// The sparse layout: the first few keys with a write in flight inline
/// (in the queue's own lines, which an apply loads anyway), the rest in a
/// hash map. A stream of a wide mesh rarely has more than one or two keys
/// in flight, and an apply found the map's table cold (perf: a fifth of
/// the active-active apply). A key is in one of the two, never both.
#[derive(Default)]
struct SparseKeys {
    inline: [(u32, KeyState); INLINE_KEYS],
    len: u8,
    map: KeyMap,
}

impl Default for KeyState {
    fn default() -> Self {
        KeyState::CAUGHT_UP
    }
}

impl SparseKeys {
    #[inline(always)]
    fn position(&self, key: u32) -> Option<usize> {
        self.inline[..usize::from(self.len)]
            .iter()
            .position(|&(k, _)| k == key)
    }

    #[inline]
    fn get(&self, key: u32) -> Option<&KeyState> {
        match self.position(key) {
            Some(i) => Some(&self.inline[i].1),
            None if self.map.is_empty() => None,
            None => self.map.get(&key),
        }
    }

    #[inline]
    fn get_mut(&mut self, key: u32) -> Option<&mut KeyState> {
        match self.position(key) {
            Some(i) => Some(&mut self.inline[i].1),
            None if self.map.is_empty() => None,
            None => self.map.get_mut(&key),
        }
    }

    /// The state of `key`, made caught up when it is not there.
    #[inline]
    fn slot(&mut self, key: u32) -> &mut KeyState {
        if let Some(i) = self.position(key) {
            return &mut self.inline[i].1;
        }
        if !self.map.contains_key(&key) && usize::from(self.len) < INLINE_KEYS {
            let i = usize::from(self.len);
            self.len += 1;
            self.inline[i] = (key, KeyState::CAUGHT_UP);
            return &mut self.inline[i].1;
        }
        self.map.entry(key).or_insert(KeyState::CAUGHT_UP)
    }

    #[inline]
    fn remove(&mut self, key: u32) {
        match self.position(key) {
            Some(i) => {
                let last = usize::from(self.len) - 1;
                self.inline.swap(i, last);
                self.len -= 1;
            }
            None => {
                self.map.remove(&key);
            }
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.map.clear();
    }

    /// Keys held.
    #[cfg(test)]
    fn len(&self) -> usize {
        usize::from(self.len) + self.map.len()
    }
}

/// The per-key state in one of its two layouts.
enum Keys {
    Dense(Vec<KeyState>),
    Sparse(SparseKeys),
}

impl Keys {
    /// The state of `key`, to change (sparse: made when it is not there).
    #[inline(always)]
    fn slot(&mut self, key: u32) -> &mut KeyState {
        match self {
            Keys::Dense(v) => &mut v[key as usize],
            Keys::Sparse(m) => m.slot(key),
        }
    }
}

/// The writes one copy has not applied, oldest first, each numbered in
/// order (the first is 1), with per key the oldest commit it lacks: a read
/// of a key learns in one lookup which writes it misses.
pub struct KeyedQueue<M> {
    /// The messages, oldest (applied next) first.
    pub in_flight: VecDeque<M>,
    /// Sequence number of the head of `in_flight`.
    pub head_seq: u64,
    keys: Keys,
}

impl<M: Queued> KeyedQueue<M> {
    /// An empty queue for `keys` keys, its key state dense.
    pub fn new(keys: u32) -> KeyedQueue<M> {
        Self::with_layout(keys, true)
    }

    /// An empty queue for `keys` keys, its key state dense (a slot per key)
    /// or sparse (keys with a write in the queue).
    pub fn with_layout(keys: u32, dense: bool) -> KeyedQueue<M> {
        KeyedQueue {
            in_flight: VecDeque::new(),
            head_seq: 1,
            keys: if dense {
                Keys::Dense(vec![KeyState::CAUGHT_UP; keys as usize])
            } else {
                Keys::Sparse(SparseKeys::default())
            },
        }
    }

    /// The state of `key`, as it is.
    #[inline(always)]
    fn state(&self, key: u32) -> KeyState {
        match &self.keys {
            Keys::Dense(v) => v[key as usize],
            Keys::Sparse(m) => m.get(key).copied().unwrap_or(KeyState::CAUGHT_UP),
        }
    }

    /// The state of `key`, to change (sparse: made when it is not there).
    #[inline(always)]
    fn state_mut(&mut self, key: u32) -> &mut KeyState {
        self.keys.slot(key)
    }

    /// `key` has no write in the queue.
    fn forget(&mut self, key: u32) {
        match &mut self.keys {
            Keys::Dense(v) => v[key as usize] = KeyState::CAUGHT_UP,
            Keys::Sparse(m) => m.remove(key),
        }
    }

    /// Appends the write of `key` committed at `commit`, built by `make`
    /// from the sequence number of the key's previous message still in the
    /// queue (0: none), which learns who follows it.
    #[inline]
    pub fn push(&mut self, key: u32, commit: Time, make: impl FnOnce(u64) -> M) {
        // One lookup: the key's state and the messages are apart.
        let ks = self.keys.slot(key);
        let prev = if ks.last_seq >= self.head_seq {
            *self.in_flight[(ks.last_seq - self.head_seq) as usize].next_commit() = commit;
            ks.last_seq
        } else {
            // The key's oldest unapplied commit is this one.
            ks.oldest_unapplied = commit;
            0
        };
        ks.last_seq = self.head_seq + self.in_flight.len() as u64;
        self.in_flight.push_back(make(prev));
    }

    /// The head is applied: it leaves, and its key's oldest unapplied
    /// commit is the next write of the key, if any.
    #[inline]
    pub fn pop_front(&mut self) -> Option<M> {
        let mut m = self.in_flight.pop_front()?;
        self.head_seq += 1;
        let (key, next) = (m.key(), *m.next_commit());
        match &mut self.keys {
            // Chains stop below `head_seq`: nothing else needs to forget it.
            Keys::Dense(v) => v[key as usize].oldest_unapplied = next,
            Keys::Sparse(map) => {
                if let Some(ks) = map.get_mut(key) {
                    if ks.last_seq < self.head_seq {
                        // Its last write left: it holds nothing.
                        map.remove(key);
                    } else {
                        ks.oldest_unapplied = next;
                    }
                }
            }
        }
        Some(m)
    }

    /// The commit time of the oldest write of `key` not applied
    /// (`Time::NEVER`: none).
    #[inline(always)]
    pub fn oldest_unapplied(&self, key: u32) -> Time {
        self.state(key).oldest_unapplied
    }

    /// The sequence number of the newest write of `key` in the queue, if
    /// any.
    #[inline]
    pub fn newest_of(&self, key: u32) -> Option<u64> {
        let seq = self.state(key).last_seq;
        (seq >= self.head_seq).then_some(seq)
    }

    /// The message numbered `seq` (in the queue).
    #[inline]
    pub fn message(&self, seq: u64) -> &M {
        &self.in_flight[(seq - self.head_seq) as usize]
    }

    /// The message of the write of `key` committed at `commit`, if the
    /// copy has not applied it.
    pub fn find(&self, key: u32, commit: Time) -> Option<&M> {
        // In commit order: the first message committed at or after
        // `commit` of that key.
        let from = self.in_flight.partition_point(|m| m.commit() < commit);
        self.in_flight
            .range(from..)
            .take_while(|m| m.commit() == commit)
            .find(|m| m.key() == key)
    }

    /// When the copy applies (applied: `now`) the write of `key` committed
    /// at `commit`; `None` while that is not known (the write has not left
    /// for the copy).
    pub fn applied_at(&self, key: u32, commit: Time, now: Time) -> Option<Time> {
        match self.find(key, commit) {
            None => Some(now),
            Some(m) if m.applied() == Time::NEVER => None,
            Some(m) => Some(m.applied().max(now)),
        }
    }

    /// Asks the processor for `key`'s state ahead of a read (dense only: a
    /// sparse map is small enough to stay in cache).
    #[inline(always)]
    pub fn prefetch(&self, key: u32) {
        if let Keys::Dense(v) = &self.keys {
            crate::engine::prefetch(&v[key as usize]);
        }
    }

    /// The copy holds every write (restored, or it became the source).
    pub fn clear(&mut self) {
        self.in_flight.clear();
        match &mut self.keys {
            Keys::Dense(v) => v.fill(KeyState::CAUGHT_UP),
            Keys::Sparse(m) => m.clear(),
        }
    }

    /// Forgets the `n` newest messages (writes that will never arrive),
    /// and puts each of their keys back as the messages left say.
    pub fn drop_newest(&mut self, n: usize) {
        let keep = self.in_flight.len() - n;
        let mut dropped: Vec<u32> = self.in_flight.range(keep..).map(Queued::key).collect();
        dropped.sort_unstable();
        dropped.dedup();
        self.in_flight.truncate(keep);
        let mut last: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
        for (i, m) in self.in_flight.iter().enumerate() {
            if dropped.binary_search(&m.key()).is_ok() {
                last.insert(m.key(), i);
            }
        }
        for key in dropped {
            match last.get(&key) {
                Some(&i) => {
                    let seq = self.head_seq + i as u64;
                    self.state_mut(key).last_seq = seq;
                    *self.in_flight[i].next_commit() = Time::NEVER;
                }
                None => self.forget(key),
            }
        }
    }

    /// Lag a monitoring probe would read at `now`: how long the oldest
    /// write not yet applied has been committed, 0 when caught up.
    pub fn current_lag(&self, now: Time) -> Duration {
        self.in_flight
            .front()
            .map_or(Duration::ZERO, |m| now.since(m.commit().min(now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct W {
        key: u32,
        commit: Time,
        next: Time,
        prev: u64,
    }

    impl Queued for W {
        fn key(&self) -> u32 {
            self.key
        }
        fn commit(&self) -> Time {
            self.commit
        }
        fn next_commit(&mut self) -> &mut Time {
            &mut self.next
        }
        fn applied(&self) -> Time {
            if self.prev == 99 {
                Time::NEVER
            } else {
                self.commit + Duration::from_millis(100)
            }
        }
    }

    fn t(ms: u64) -> Time {
        Time::ZERO + Duration::from_millis(ms)
    }

    fn push(q: &mut KeyedQueue<W>, key: u32, ms: u64) {
        q.push(key, t(ms), |prev| W {
            key,
            commit: t(ms),
            next: Time::NEVER,
            prev,
        });
    }

    /// Both layouts answer alike under random pushes, applies, drops and
    /// clears, and the sparse one holds only keys with a write in flight.
    #[test]
    fn dense_and_sparse_key_state_answer_alike() {
        use rand::RngExt;
        let mut rng = crate::engine::stream(5, 0, "queue-layouts");
        let keys = 50u32;
        let mut a: KeyedQueue<W> = KeyedQueue::with_layout(keys, true);
        let mut b: KeyedQueue<W> = KeyedQueue::with_layout(keys, false);
        let mut ms = 0u64;
        let (mut spilled, mut inline_only) = (0, 0);
        for step in 0..100_000 {
            match rng.random_range(0..100u32) {
                0..=54 => {
                    let k = rng.random_range(0..keys);
                    ms += rng.random_range(0..3u64);
                    push(&mut a, k, ms);
                    push(&mut b, k, ms);
                }
                55..=97 => {
                    assert_eq!(a.pop_front().map(|m| m.key), b.pop_front().map(|m| m.key));
                }
                98 => {
                    let n = rng.random_range(0..=a.in_flight.len().min(5));
                    a.drop_newest(n);
                    b.drop_newest(n);
                }
                _ if step % 7 == 0 => {
                    a.clear();
                    b.clear();
                }
                _ => {}
            }
            for k in 0..keys {
                assert_eq!(a.oldest_unapplied(k), b.oldest_unapplied(k), "key {k}");
                assert_eq!(a.newest_of(k), b.newest_of(k), "key {k}");
            }
            let Keys::Sparse(map) = &b.keys else {
                unreachable!()
            };
            let mut live: Vec<u32> = b.in_flight.iter().map(|m| m.key).collect();
            live.sort_unstable();
            live.dedup();
            assert_eq!(map.len(), live.len(), "entries for keys in flight only");
            assert!(usize::from(map.len) <= INLINE_KEYS);
            spilled += usize::from(!map.map.is_empty());
            inline_only += usize::from(map.map.is_empty() && map.len > 0);
        }
        // Both the inline keys alone and the spill to the map were tried.
        assert!(
            spilled > 1000 && inline_only > 1000,
            "{spilled} {inline_only}"
        );
    }

    #[test]
    fn a_dataset_keeps_its_key_state_dense_within_the_budget() {
        // The reference: 100,000 keys at two replicas.
        assert!(dense(100_000, 2));
        // A 30-region active-active mesh of 100,000 keys: 870 streams.
        assert!(!dense(100_000, 870));
        let at_budget = (DENSE_BUDGET / KEY_STATE_BYTES) as u32;
        assert!(dense(at_budget, 1) && !dense(at_budget + 1, 1));
    }

    /// Writes 1 (key 0), 2 (key 1), 3 (key 0): a read of key 0 misses the
    /// write of 1 ms until it is applied, then the one of 3 ms.
    #[test]
    fn each_key_knows_its_oldest_unapplied_write() {
        let mut q = KeyedQueue::new(2);
        push(&mut q, 0, 1);
        push(&mut q, 1, 2);
        push(&mut q, 0, 3);
        assert_eq!(q.message(3).prev, 1);
        assert_eq!(q.newest_of(0), Some(3));
        assert_eq!(q.oldest_unapplied(0), t(1));
        assert_eq!(q.oldest_unapplied(1), t(2));
        q.pop_front();
        assert_eq!(q.oldest_unapplied(0), t(3));
        q.pop_front();
        assert_eq!(q.oldest_unapplied(1), Time::NEVER);
        assert_eq!(q.current_lag(t(10)), Duration::from_millis(7));
        q.pop_front();
        assert_eq!(q.oldest_unapplied(0), Time::NEVER);
        assert_eq!(q.newest_of(0), None);
        assert_eq!(q.current_lag(t(10)), Duration::ZERO);
    }

    #[test]
    fn a_write_is_applied_when_its_message_is() {
        let mut q = KeyedQueue::new(2);
        push(&mut q, 0, 1);
        push(&mut q, 1, 1);
        // Key 1's write of 1 ms is applied 100 ms later; one the queue no
        // longer holds was applied already.
        assert_eq!(q.applied_at(1, t(1), t(5)), Some(t(101)));
        assert_eq!(q.applied_at(1, t(1), t(200)), Some(t(200)));
        assert_eq!(q.applied_at(0, t(0), t(5)), Some(t(5)));
        q.in_flight[0].prev = 99;
        assert_eq!(q.applied_at(0, t(1), t(5)), None);
    }

    #[test]
    fn dropping_the_newest_puts_their_keys_back() {
        let mut q = KeyedQueue::new(3);
        push(&mut q, 0, 1);
        push(&mut q, 1, 2);
        push(&mut q, 0, 3);
        push(&mut q, 2, 4);
        q.drop_newest(2);
        assert_eq!(q.in_flight.len(), 2);
        assert_eq!(q.oldest_unapplied(0), t(1));
        assert_eq!(q.newest_of(0), Some(1));
        assert_eq!(q.message(1).next, Time::NEVER);
        assert_eq!(q.oldest_unapplied(2), Time::NEVER);
        assert_eq!(q.newest_of(2), None);
    }
}
