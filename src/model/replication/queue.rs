//! The writes a copy has not applied, in commit order, chained per key.

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

/// The writes one copy has not applied, oldest first, each numbered in
/// order (the first is 1), with per key the oldest commit it lacks: a read
/// of a key learns in one lookup which writes it misses.
pub struct KeyedQueue<M> {
    /// The messages, oldest (applied next) first.
    pub in_flight: VecDeque<M>,
    /// Sequence number of the head of `in_flight`.
    pub head_seq: u64,
    keys: Vec<KeyState>,
}

impl<M: Queued> KeyedQueue<M> {
    /// An empty queue for `keys` keys.
    pub fn new(keys: u32) -> KeyedQueue<M> {
        KeyedQueue {
            in_flight: VecDeque::new(),
            head_seq: 1,
            keys: vec![KeyState::CAUGHT_UP; keys as usize],
        }
    }

    /// Appends the write of `key` committed at `commit`, built by `make`
    /// from the sequence number of the key's previous message still in the
    /// queue (0: none), which learns who follows it.
    #[inline]
    pub fn push(&mut self, key: u32, commit: Time, make: impl FnOnce(u64) -> M) {
        let ks = &mut self.keys[key as usize];
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
        // Chains stop below `head_seq`: nothing else needs to forget it.
        self.keys[m.key() as usize].oldest_unapplied = *m.next_commit();
        Some(m)
    }

    /// The commit time of the oldest write of `key` not applied
    /// (`Time::NEVER`: none).
    #[inline(always)]
    pub fn oldest_unapplied(&self, key: u32) -> Time {
        self.keys[key as usize].oldest_unapplied
    }

    /// The sequence number of the newest write of `key` in the queue, if
    /// any.
    #[inline]
    pub fn newest_of(&self, key: u32) -> Option<u64> {
        let seq = self.keys[key as usize].last_seq;
        (seq >= self.head_seq).then_some(seq)
    }

    /// The message numbered `seq` (in the queue).
    #[inline]
    pub fn message(&self, seq: u64) -> &M {
        &self.in_flight[(seq - self.head_seq) as usize]
    }

    /// When the copy applies (applied: `now`) the write of `key` committed
    /// at `commit`; `None` while that is not known (the write has not left
    /// for the copy).
    pub fn applied_at(&self, key: u32, commit: Time, now: Time) -> Option<Time> {
        // In commit order: the first message committed at or after
        // `commit` of that key.
        let from = self.in_flight.partition_point(|m| m.commit() < commit);
        let m = self
            .in_flight
            .range(from..)
            .take_while(|m| m.commit() == commit)
            .find(|m| m.key() == key);
        match m {
            None => Some(now),
            Some(m) if m.applied() == Time::NEVER => None,
            Some(m) => Some(m.applied().max(now)),
        }
    }

    /// The state of `key` (for prefetching it).
    #[inline(always)]
    pub fn key_state(&self, key: u32) -> &KeyState {
        &self.keys[key as usize]
    }

    /// The copy holds every write (restored, or it became the source).
    pub fn clear(&mut self) {
        self.in_flight.clear();
        for ks in &mut self.keys {
            *ks = KeyState::CAUGHT_UP;
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
            let ks = &mut self.keys[key as usize];
            match last.get(&key) {
                Some(&i) => {
                    ks.last_seq = self.head_seq + i as u64;
                    *self.in_flight[i].next_commit() = Time::NEVER;
                }
                None => *ks = KeyState::CAUGHT_UP,
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
