//! The event queue: a binary heap ordered by `(time, insertion sequence)`.
//!
//! The sequence number makes the order total and first-in first-out among
//! equal times, so a run never depends on how the heap breaks ties.

use super::time::Time;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One queued event. `key` packs `(time, sequence)` into one `u128` so that
/// the heap compares a single integer.
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
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
        other.key.cmp(&self.key)
    }
}

/// Pending events in `(time, insertion sequence)` order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Queues `event` at `at`, after every event already queued for `at`.
    #[inline]
    pub fn push(&mut self, at: Time, event: E) {
        let key = (u128::from(at.as_nanos()) << 64) | u128::from(self.next_seq);
        self.next_seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        self.heap
            .pop()
            .map(|e| (Time::from_nanos((e.key >> 64) as u64), e.event))
    }

    /// The time of the earliest event.
    pub fn peek_time(&self) -> Option<Time> {
        self.heap
            .peek()
            .map(|e| Time::from_nanos((e.key >> 64) as u64))
    }

    /// Number of queued events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// What a model sees of the engine while it handles an event: the clock and
/// the queue.
pub struct Scheduler<E> {
    queue: EventQueue<E>,
    now: Time,
    processed: u64,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Scheduler<E> {
    /// An empty scheduler at time zero.
    pub fn new() -> Self {
        Scheduler {
            queue: EventQueue::default(),
            now: Time::ZERO,
            processed: 0,
        }
    }

    /// The current simulated time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// Schedules `event` at `at`. Scheduling in the past is a model bug.
    #[inline]
    pub fn schedule(&mut self, at: Time, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        self.queue.push(at, event);
    }

    /// The time of the next event.
    pub fn peek_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// Number of events waiting.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Number of events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Pops the next event and advances the clock to it.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<(Time, E)> {
        let (t, e) = self.queue.pop()?;
        self.now = t;
        self.processed += 1;
        Some((t, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
