//! The event queue: a binary heap ordered by `(time, insertion sequence)`.
//!
//! The sequence number makes the order total and first-in first-out among
//! equal times, so a run never depends on how the heap breaks ties.
//!
//! Any queued event can be cancelled through the [`Timer`] its push
//! returned. A `(time, sequence)` key is unique and pops in increasing
//! order, so cancelled keys are kept in a second min-heap: an event is
//! cancelled exactly when its key is the smallest cancelled key as it pops.
//! A pop costs one extra compare, an entry no extra byte, and a cancelled
//! event reaches no model and counts as no event. When cancelled events
//! outnumber live ones by [`COMPACT_SLACK`] the heap is compacted, so the
//! queue stays bounded by the live events.
//!
//! The heap pops in one place only, [`EventQueue::pop_until`]: with a
//! single caller the compiler inlines it, with the model's handler, into
//! the run loop (a second caller made it a call and cost 5 % of a run).
//!
//! A pop hands out a copy of the top event and leaves its entry in place,
//! spent: most handlers schedule a next event (an arrival its successor, a
//! stream its next delivery), and that push takes the spent entry's place
//! with one sift down, where a pop and a push cost two sifts. A pop with no
//! push between removes the spent entry first. The queue holds the same
//! entries after every handler either way, so the order of events, and
//! every result, is unchanged.

use super::time::Time;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// A handle to one queued event, for [`EventQueue::cancel`]. Not `Copy`:
/// cancelling consumes it, so one event cannot be cancelled twice.
#[derive(Debug, PartialEq, Eq)]
pub struct Timer(u128);

/// Cancelled entries that may stay in the heap before it is compacted,
/// beyond as many as there are live ones.
const COMPACT_SLACK: usize = 1024;

/// One queued event and its `(time, sequence)` key. The two halves are
/// kept as two `u64`s rather than one `u128`: a `u128` is 16-byte aligned,
/// which pads an entry with an 8-byte event to 32 bytes; as two words it
/// takes 24, and the heap moves a quarter fewer bytes on every sift.
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// `(time, sequence)` as one number: the order of the queue.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed: `BinaryHeap` is a max-heap and the earliest event must pop first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Pending events in `(time, insertion sequence)` order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    /// Keys of cancelled events still in `heap`, smallest first.
    cancelled: BinaryHeap<Reverse<u128>>,
    next_seq: u64,
    /// One past the key of the last event popped: keys below it are gone.
    popped_below: u128,
    /// The heap's top is the event the last pop handed out: the next push
    /// overwrites it, or the next pop removes it.
    spent: bool,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            cancelled: BinaryHeap::new(),
            next_seq: 0,
            popped_below: 0,
            spent: false,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    /// Queues `event` at `at`, after every event already queued for `at`;
    /// the returned [`Timer`] cancels it (dropping it is fine).
    #[inline]
    pub fn push(&mut self, at: Time, event: E) -> Timer {
        let entry = Entry {
            time: at.as_nanos(),
            seq: self.next_seq,
            event,
        };
        self.next_seq += 1;
        let key = entry.key();
        if self.spent {
            self.spent = false;
            // Over the spent top: sifted down into place as `top` drops.
            if let Some(mut top) = self.heap.peek_mut() {
                *top = entry;
            }
        } else {
            self.heap.push(entry);
        }
        Timer(key)
    }

    /// Cancels the event of `timer`: it will never pop. False (and nothing
    /// done) when it already popped.
    pub fn cancel(&mut self, timer: Timer) -> bool {
        if timer.0 < self.popped_below {
            return false;
        }
        self.cancelled.push(Reverse(timer.0));
        if self.cancelled.len() > self.live() + COMPACT_SLACK {
            self.compact();
        }
        true
    }

    /// Removes the spent top, if there is one.
    #[inline]
    fn drop_spent(&mut self) {
        if self.spent {
            self.spent = false;
            self.heap.pop();
        }
    }

    /// Removes every cancelled entry from the heap.
    fn compact(&mut self) {
        self.drop_spent();
        let gone = std::mem::take(&mut self.cancelled).into_sorted_vec();
        // Sorted descending (by `Reverse`): search with the order reversed.
        self.heap
            .retain(|e| gone.binary_search_by(|c| e.key().cmp(&c.0)).is_err());
    }

    /// Removes and returns the earliest event (never a cancelled one).
    pub fn pop(&mut self) -> Option<(Time, E)> {
        self.pop_until(Time::NEVER)
    }

    /// Removes and returns the earliest event that was not cancelled, if
    /// its time is at or before `end`. Cancelled events met on the way are
    /// dropped. The one place the heap pops: with a single caller the
    /// compiler inlines the heap's pop into the run loop.
    #[inline]
    pub fn pop_until(&mut self, end: Time) -> Option<(Time, E)> {
        self.drop_spent();
        loop {
            let e = self.heap.peek()?;
            if e.time > end.as_nanos() {
                return None;
            }
            let key = e.key();
            if self.cancelled.peek() == Some(&Reverse(key)) {
                self.cancelled.pop();
                self.heap.pop();
                continue;
            }
            let out = (Time::from_nanos(e.time), e.event);
            self.popped_below = key + 1;
            self.spent = true;
            return Some(out);
        }
    }

    /// The event most likely to pop after the one just popped (the
    /// smaller of the top's children), for a model to prefetch its state
    /// while it handles the current one. A hint only: the handler may
    /// schedule an earlier event, and a cancelled one may be returned.
    #[inline]
    pub fn after_top(&self) -> Option<&E> {
        let h = self.heap.as_slice();
        match (h.get(1), h.get(2)) {
            (Some(a), Some(b)) => Some(if a.key() <= b.key() {
                &a.event
            } else {
                &b.event
            }),
            (Some(a), None) => Some(&a.event),
            _ => None,
        }
    }

    /// The time of the last event popped (zero before the first): the
    /// simulated clock.
    #[inline]
    pub fn now(&self) -> Time {
        Time::from_nanos((self.popped_below.saturating_sub(1) >> 64) as u64)
    }

    /// The time of the earliest queued event, which may be a cancelled
    /// one: a lower bound of the next event's time.
    pub fn peek_time(&self) -> Option<Time> {
        if !self.spent {
            return self.heap.peek().map(|e| Time::from_nanos(e.time));
        }
        // Under a spent top the earliest is one of its two children (the
        // greater in the heap's reversed order).
        let h = self.heap.as_slice();
        h.get(1..h.len().min(3))?
            .iter()
            .max()
            .map(|e| Time::from_nanos(e.time))
    }

    /// Number of queued events, cancelled ones not yet removed included.
    pub fn len(&self) -> usize {
        self.heap.len() - usize::from(self.spent)
    }

    /// Number of queued events that will pop.
    pub fn live(&self) -> usize {
        self.len() - self.cancelled.len()
    }

    /// True when no event will pop.
    pub fn is_empty(&self) -> bool {
        self.live() == 0
    }
}

/// What a model sees of the engine while it handles an event: the clock and
/// the queue.
pub struct Scheduler<E> {
    queue: EventQueue<E>,
    processed: u64,
}

impl<E: Copy> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Scheduler<E> {
    /// An empty scheduler at time zero.
    pub fn new() -> Self {
        Scheduler {
            queue: EventQueue::default(),
            processed: 0,
        }
    }

    /// The current simulated time.
    pub fn now(&self) -> Time {
        self.queue.now()
    }

    /// Schedules `event` at `at`. Scheduling in the past is a model bug.
    #[inline]
    pub fn schedule(&mut self, at: Time, event: E) {
        debug_assert!(at >= self.now(), "event scheduled in the past");
        self.queue.push(at, event);
    }

    /// Schedules `event` at `at` and returns the handle that cancels it (a
    /// timeout, a health check, a retry).
    #[inline]
    pub fn schedule_timer(&mut self, at: Time, event: E) -> Timer {
        debug_assert!(at >= self.now(), "timer set in the past");
        self.queue.push(at, event)
    }

    /// Cancels the event of `timer`, which then never reaches the model and
    /// counts as no event. False when it already ran.
    pub fn cancel(&mut self, timer: Timer) -> bool {
        self.queue.cancel(timer)
    }

    /// The time of the next event, or earlier (a cancelled event's).
    pub fn peek_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// Number of events waiting (cancelled ones not counted).
    pub fn pending(&self) -> usize {
        self.queue.live()
    }

    /// Number of events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// See [`EventQueue::after_top`].
    #[inline]
    pub(crate) fn after_top(&self) -> Option<&E> {
        self.queue.after_top()
    }

    /// Pops the next event at or before `end` and advances the clock to it.
    #[inline]
    pub(crate) fn pop_until(&mut self, end: Time) -> Option<(Time, E)> {
        let (t, e) = self.queue.pop_until(end)?;
        self.processed += 1;
        Some((t, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After a pop, `after_top` names the event the next pop returns when
    /// nothing is scheduled in between (ties included).
    #[test]
    fn after_top_names_the_next_pop() {
        let mut q = EventQueue::default();
        for i in 0..2_000u64 {
            q.push(Time::from_nanos((i * 7919) % 997), i);
        }
        let mut seen = 0;
        while let Some((_, _)) = q.pop() {
            let hint = q.after_top().copied();
            // The spent top is still in place until the next pop.
            let next = q.pop().map(|(_, e)| e);
            assert_eq!(hint, next);
            seen += 1;
            if next.is_none() {
                break;
            }
        }
        assert!(seen > 900, "{seen}");
    }

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::default();
        q.push(Time::from_nanos(10), 'b');
        q.push(Time::from_nanos(5), 'a');
        q.push(Time::from_nanos(10), 'c');
        q.push(Time::from_nanos(10), 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ['a', 'b', 'c', 'd']);
    }

    /// Many timers, every other one cancelled, some of them at equal times:
    /// none of the cancelled ones pops, every other one does, in order.
    #[test]
    fn cancelled_timers_never_pop() {
        let mut q = EventQueue::default();
        let mut timers = Vec::new();
        for i in 0..20_000u64 {
            let t = (i * 7919) % 5000; // repeats: ties between kept and cancelled
            timers.push(Some(q.push(Time::from_nanos(t), i)));
        }
        for (i, t) in timers.iter_mut().enumerate() {
            if i % 2 == 1 {
                assert!(q.cancel(t.take().unwrap()));
            }
        }
        assert_eq!(q.live(), 10_000);
        let mut popped = Vec::new();
        let mut last = (0, 0);
        while let Some((t, i)) = q.pop() {
            assert!(i % 2 == 0, "cancelled event {i} popped");
            assert!((t.as_nanos(), i) > last || popped.is_empty());
            last = (t.as_nanos(), i);
            popped.push(i);
        }
        assert_eq!(popped.len(), 10_000);
        assert!(q.is_empty());
        assert_eq!(q.len(), 0, "cancelled entries are gone too");
    }

    /// Cancelling an event that already popped does nothing.
    #[test]
    fn cancelling_a_popped_event_is_a_no_op() {
        let mut q = EventQueue::default();
        let a = q.push(Time::from_nanos(1), 'a');
        q.push(Time::from_nanos(2), 'b');
        assert_eq!(q.pop(), Some((Time::from_nanos(1), 'a')));
        assert!(!q.cancel(a));
        assert_eq!(q.pop(), Some((Time::from_nanos(2), 'b')));
    }

    /// A timeout armed and cancelled for every one of a million requests,
    /// each an hour ahead, while the clock advances: the queue holds the
    /// live events plus a bounded slack, never the million.
    #[test]
    fn the_queue_stays_bounded_when_timers_are_cancelled() {
        let mut q = EventQueue::default();
        let hour = 3_600_000_000_000u64;
        let mut now = 0u64;
        q.push(Time::from_nanos(now), 0u32);
        let mut max_len = 0;
        for _ in 0..1_000_000 {
            let (t, _) = q.pop().unwrap();
            now = t.as_nanos();
            let timeout = q.push(Time::from_nanos(now + hour), 1);
            q.push(Time::from_nanos(now + 1_000), 0);
            assert!(q.cancel(timeout));
            max_len = max_len.max(q.len());
        }
        assert!(max_len <= 2 * COMPACT_SLACK + 2, "{max_len} queued");
        assert_eq!(q.live(), 1);
        assert_eq!(q.pop().map(|(_, e)| e), Some(0));
    }

    /// Against a sorted reference: pushes at or after the clock (and a few
    /// before it, after a `pop_until` that stopped), pops, cancellations,
    /// stops at an end time; the same events in the same order.
    #[test]
    fn pops_what_a_sorted_reference_pops() {
        use crate::engine::stream;
        use rand::Rng;
        let mut rng = stream(3, 0, "queue-test");
        let mut q = EventQueue::default();
        let mut reference: std::collections::BTreeMap<(u64, u64), u64> = Default::default();
        let mut timers: Vec<(Timer, (u64, u64))> = Vec::new();
        let mut now = 0u64;
        let mut seq = 0u64;
        for step in 0..200_000u64 {
            let r = rng.next_u64();
            match r % 10 {
                0..=4 => {
                    // Delays from 0 to ~2^40 ns, spread over magnitudes.
                    let delay = (rng.next_u64() >> 24) >> (rng.next_u64() % 40);
                    let t = now + delay;
                    let timer = q.push(Time::from_nanos(t), step);
                    reference.insert((t, seq), step);
                    if r.is_multiple_of(7) {
                        timers.push((timer, (t, seq)));
                    }
                    seq += 1;
                }
                5 if !timers.is_empty() => {
                    let (timer, key) = timers.swap_remove((r as usize / 10) % timers.len());
                    let was_queued = reference.remove(&key).is_some();
                    assert_eq!(q.cancel(timer), was_queued);
                }
                6 => {
                    // Stop short of the next event, then schedule before it.
                    let end = now + (rng.next_u64() >> 44);
                    let want = reference.first_key_value().filter(|((t, _), _)| *t <= end);
                    let got = q.pop_until(Time::from_nanos(end));
                    assert_eq!(
                        got.map(|(t, e)| (t.as_nanos(), e)),
                        want.map(|((t, _), e)| (*t, *e))
                    );
                    if let Some((&(t, s2), _)) = want {
                        reference.remove(&(t, s2));
                        now = t;
                    }
                }
                _ => {
                    let want = reference.pop_first();
                    let got = q.pop();
                    assert_eq!(
                        got.map(|(t, e)| (t.as_nanos(), e)),
                        want.map(|((t, _), e)| (t, e))
                    );
                    if let Some(((t, _), _)) = want {
                        now = t;
                    }
                }
            }
            assert_eq!(q.live(), reference.len());
            // A lower bound of the next event, exact when nothing waiting
            // is cancelled.
            let next = reference.first_key_value().map(|((t, _), _)| *t);
            let peek = q.peek_time().map(Time::as_nanos);
            assert!(
                peek <= next || next.is_none(),
                "peek {peek:?} next {next:?}"
            );
            if q.len() == q.live() {
                assert_eq!(peek, next);
            }
        }
        while let Some(((t, _), e)) = reference.pop_first() {
            assert_eq!(q.pop(), Some((Time::from_nanos(t), e)));
        }
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn pops_in_time_order_whatever_the_push_order() {
        let mut q = EventQueue::default();
        for t in [7u64, 3, 9, 1, 3, 8] {
            q.push(Time::from_nanos(t), t);
        }
        let times: Vec<u64> = std::iter::from_fn(|| q.pop().map(|(t, _)| t.as_nanos())).collect();
        assert_eq!(times, [1, 3, 3, 7, 8, 9]);
    }
}
