//! A service station: a FIFO queue in front of `c` identical servers, each
//! job's service time drawn from a distribution, optionally a limit on the
//! jobs waiting. A replica's apply thread is one (one server, no limit);
//! a primary's commit capacity or a region's app tier can be others.
//!
//! Jobs must be offered in order of arrival (a FIFO link delivers them so).
//! Because every job is admitted when it arrives and served first come,
//! first served, its start and end are known at once: it starts when it
//! arrives or when the earliest server frees up, whichever is later. No
//! event is needed until it ends.

use crate::engine::{Dist, Duration, SimRng, Time};
use crate::metrics::StationStats;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Up to this many servers, the one free soonest is found by a scan; with
/// more, by a heap.
const SCAN_SERVERS: usize = 16;

/// When an admitted job is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    /// When a server takes it.
    pub start: Time,
    /// When it is done.
    pub done: Time,
}

impl Service {
    /// Time spent waiting for a server.
    pub fn wait(&self, arrival: Time) -> Duration {
        self.start.since(arrival)
    }
}

/// A FIFO queue and `c` servers.
pub struct Station {
    service: Dist,
    /// When each server is next free (up to [`SCAN_SERVERS`] servers).
    free_at: Vec<Time>,
    /// With more servers: when each is next free, soonest on top.
    many: BinaryHeap<Reverse<Time>>,
    /// Most jobs that may wait (not in service) at once; `None`: no limit.
    limit: Option<usize>,
    /// Start times of admitted jobs not yet started, earliest first (only
    /// kept when there is a limit).
    waiting: VecDeque<Time>,
    /// Latest arrival offered, to check the order.
    last_arrival: Time,
    /// Service time inside `window`, summed over the servers.
    busy: Duration,
    /// The span whose busy time is counted (the measured span).
    window: (Time, Time),
    /// What jobs arriving inside `window` met; `None`: not counted (the
    /// apply stations, whose figures are the lag and apply wait).
    stats: Option<Box<StationStats>>,
}

impl Station {
    /// A station of `servers` servers (at least one) with service times
    /// from `service` and at most `limit` jobs waiting.
    pub fn new(service: Dist, servers: usize, limit: Option<usize>) -> Station {
        assert!(servers >= 1, "a station has at least one server");
        Station {
            service,
            free_at: if servers <= SCAN_SERVERS {
                vec![Time::ZERO; servers]
            } else {
                Vec::new()
            },
            many: if servers > SCAN_SERVERS {
                vec![Reverse(Time::ZERO); servers].into()
            } else {
                BinaryHeap::new()
            },
            limit,
            waiting: VecDeque::new(),
            last_arrival: Time::ZERO,
            busy: Duration::ZERO,
            window: (Time::ZERO, Time::NEVER),
            stats: None,
        }
    }

    /// Counts busy time only inside `[from, to)` from now on.
    pub fn measure(&mut self, from: Time, to: Time) {
        self.window = (from, to);
    }

    /// Also keeps [`StationStats`] of the jobs arriving in the measured
    /// window, and its busy time per bucket of width `bucket`.
    pub fn keep_stats(&mut self, bucket: Duration) {
        let (from, to) = self.window;
        let buckets = to.since(from).as_nanos().div_ceil(bucket.as_nanos().max(1));
        self.stats = Some(Box::new(StationStats::new(buckets as usize, bucket)));
    }

    /// The statistics kept since [`Station::keep_stats`].
    pub fn stats(&self) -> Option<&StationStats> {
        self.stats.as_deref()
    }

    /// Number of servers.
    pub fn servers(&self) -> usize {
        self.free_at.len() + self.many.len()
    }

    /// Service time inside the measured window, summed over the servers:
    /// divided by servers x window, the utilisation.
    pub fn busy(&self) -> Duration {
        self.busy
    }

    /// [`Station::busy`], which starts again from zero: the busy time so
    /// far belongs to whoever owned the station until now (a replica that
    /// a failover promoted).
    pub fn take_busy(&mut self) -> Duration {
        std::mem::replace(&mut self.busy, Duration::ZERO)
    }

    /// Offers a job arriving at `arrival` (no earlier than the previous
    /// one): its service, or `None` if the queue is full and it is turned
    /// away. Draws one service time from `rng` for each admitted job and
    /// multiplies it by `slowdown` (1 when nothing slows the station).
    #[inline]
    pub fn admit(&mut self, arrival: Time, slowdown: f64, rng: &mut SimRng) -> Option<Service> {
        let (i, start) = self.place(arrival)?;
        let mut service = self.service.sample(rng);
        if slowdown != 1.0 {
            service = Duration::from_nanos((service.as_nanos() as f64 * slowdown).round() as u64);
        }
        Some(self.serve(i, arrival, start, service))
    }

    /// Offers a job arriving at `arrival` (no earlier than the previous
    /// one) that needs `service`, not drawn (a connection's handshake):
    /// its service, or `None` if the queue is full.
    pub fn admit_work(&mut self, arrival: Time, service: Duration) -> Option<Service> {
        let (i, start) = self.place(arrival)?;
        Some(self.serve(i, arrival, start, service))
    }

    /// Where a job arriving at `arrival` goes: the server free soonest and
    /// when it starts there, or `None` if every server is busy and the
    /// waiting room full (it is counted as turned away).
    #[inline(always)]
    fn place(&mut self, arrival: Time) -> Option<(usize, Time)> {
        debug_assert!(arrival >= self.last_arrival, "jobs offered out of order");
        self.last_arrival = arrival;
        // The server free soonest; with one server, that one.
        let (i, free) = if self.free_at.len() == 1 {
            (0, self.free_at[0])
        } else if !self.many.is_empty() {
            (usize::MAX, self.many.peek().expect("servers").0)
        } else {
            let (i, &t) = self
                .free_at
                .iter()
                .enumerate()
                .min_by_key(|&(_, &t)| t)
                .expect("at least one server");
            (i, t)
        };
        if let Some(limit) = self.limit {
            while self.waiting.front().is_some_and(|&s| s <= arrival) {
                self.waiting.pop_front();
            }
            // Every server busy and the waiting room full.
            if free > arrival && self.waiting.len() >= limit {
                if let Some(st) = self.stats.as_mut() {
                    st.turned_away(self.window, arrival);
                }
                return None;
            }
        }
        Some((i, arrival.max(free)))
    }

    /// Offers a job arriving at `arrival` (no earlier than the previous
    /// one) that needs `service` (a transmission of known size): when it
    /// is served. The station must have one server and no queue limit.
    #[inline]
    pub fn admit_for(&mut self, arrival: Time, service: Duration) -> Service {
        debug_assert!(arrival >= self.last_arrival, "jobs offered out of order");
        debug_assert!(self.free_at.len() == 1 && self.limit.is_none());
        self.last_arrival = arrival;
        let start = arrival.max(self.free_at[0]);
        self.serve(0, arrival, start, service)
    }

    /// Server `i` takes the job arriving at `arrival` at `start`.
    #[inline(always)]
    fn serve(&mut self, i: usize, arrival: Time, start: Time, service: Duration) -> Service {
        let done = start + service;
        if i == usize::MAX {
            self.many.pop();
            self.many.push(Reverse(done));
        } else {
            self.free_at[i] = done;
        }
        let (from, to) = (start.max(self.window.0), done.min(self.window.1));
        if to > from {
            self.busy += to.since(from);
        }
        if let Some(st) = self.stats.as_mut() {
            st.count(self.window, from, to, arrival, start);
        }
        if self.limit.is_some() && start > arrival {
            self.waiting.push_back(start);
        }
        Service { start, done }
    }
}

impl StationStats {
    /// Two stations' statistics together (same span and buckets).
    pub fn merged(mut self, other: &StationStats) -> StationStats {
        self.admitted += other.admitted;
        self.rejected += other.rejected;
        self.waited += other.waited;
        for (a, b) in self.busy_by_bucket.iter_mut().zip(&other.busy_by_bucket) {
            *a += *b;
        }
        for (a, b) in self
            .offered_by_bucket
            .iter_mut()
            .zip(&other.offered_by_bucket)
        {
            *a += *b;
        }
        for (a, b) in self
            .waited_by_bucket
            .iter_mut()
            .zip(&other.waited_by_bucket)
        {
            *a += *b;
        }
        self
    }

    /// A job arriving at `arrival` was turned away (counted if inside
    /// `window`).
    #[inline(never)]
    fn turned_away(&mut self, window: (Time, Time), arrival: Time) {
        if self.offered(window, arrival) {
            self.rejected += 1;
        }
    }

    /// A job arrived at `arrival`: counted in its bucket's offered jobs if
    /// inside `window`, which it returns.
    fn offered(&mut self, window: (Time, Time), arrival: Time) -> bool {
        if !(window.0..window.1).contains(&arrival) {
            return false;
        }
        let b = (arrival.since(window.0).as_nanos() / self.bucket.as_nanos()) as usize;
        if let Some(n) = self.offered_by_bucket.get_mut(b) {
            *n += 1;
        }
        true
    }

    /// Adds `[from, to)` (clipped to `window`) to `series`, bucket by
    /// bucket.
    fn spread(series: &mut [Duration], width: u64, window: (Time, Time), from: Time, to: Time) {
        let (from, to) = (from.max(window.0), to.min(window.1));
        if to <= from {
            return;
        }
        let (mut t, to) = (
            from.since(window.0).as_nanos(),
            to.since(window.0).as_nanos(),
        );
        while t < to {
            let b = (t / width) as usize;
            let edge = ((b as u64 + 1) * width).min(to);
            if let Some(slot) = series.get_mut(b) {
                *slot += Duration::from_nanos(edge - t);
            }
            t = edge;
        }
    }

    /// Busy time over the whole span, summed over the servers.
    pub fn busy(&self) -> Duration {
        self.busy_by_bucket
            .iter()
            .fold(Duration::ZERO, |a, &b| a + b)
    }

    /// A job arriving at `arrival` and starting at `start` kept a server
    /// busy over `[from, to)` (clipped to `window`; empty if outside).
    #[inline(never)]
    fn count(&mut self, window: (Time, Time), from: Time, to: Time, arrival: Time, start: Time) {
        if self.offered(window, arrival) {
            self.admitted += 1;
            self.waited += start.since(arrival);
        }
        let width = self.bucket.as_nanos();
        if start > arrival {
            Self::spread(&mut self.waited_by_bucket, width, window, arrival, start);
        }
        Self::spread(&mut self.busy_by_bucket, width, window, from, to);
    }
}

impl Station {
    /// The station stopped at `now` (its host went down): jobs not done by
    /// then are dropped, and the servers are free from `now`. Jobs offered
    /// later arrive at `now` or after.
    pub fn abandon(&mut self, now: Time) {
        for t in &mut self.free_at {
            *t = (*t).min(now);
        }
        self.many = self
            .many
            .drain()
            .map(|Reverse(t)| Reverse(t.min(now)))
            .collect();
        self.waiting.clear();
        self.last_arrival = self.last_arrival.min(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    /// Poisson arrivals at `lambda` per ms, exponential service of mean
    /// `mean_ms`: (mean wait in ms, share turned away) over `n` jobs.
    fn simulate(
        lambda: f64,
        mean_ms: f64,
        servers: usize,
        limit: Option<usize>,
        n: usize,
    ) -> (f64, f64) {
        let mut st = Station::new(
            Dist::exponential_nanos(mean_ms * 1e6).unwrap(),
            servers,
            limit,
        );
        let gaps = Dist::exponential_nanos(1e6 / lambda).unwrap();
        let (mut rng_a, mut rng_s) = (stream(1, 0, "arrivals"), stream(1, 0, "service"));
        let mut t = Time::ZERO;
        let (mut wait, mut served, mut lost) = (0.0, 0usize, 0usize);
        for _ in 0..n {
            t += gaps.sample(&mut rng_a);
            match st.admit(t, 1.0, &mut rng_s) {
                Some(s) => {
                    wait += s.wait(t).as_millis_f64();
                    served += 1;
                }
                None => lost += 1,
            }
        }
        (wait / served as f64, lost as f64 / n as f64)
    }

    /// Erlang C: the probability that a job waits in M/M/c at load `a`
    /// (= lambda x mean service) erlangs.
    fn erlang_c(c: usize, a: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..c {
            term *= a / k as f64;
            sum += term;
        }
        let last = term * a / c as f64 * c as f64 / (c as f64 - a);
        last / (sum + last)
    }

    #[test]
    fn one_server_waits_as_m_m_1() {
        // rho = 0.8, mean service 1 ms: mean wait rho / (mu - lambda) = 4 ms.
        let (w, lost) = simulate(0.8, 1.0, 1, None, 400_000);
        assert_eq!(lost, 0.0);
        assert!((w - 4.0).abs() < 0.25, "mean wait {w} ms, M/M/1 says 4");
    }

    #[test]
    fn two_servers_wait_as_m_m_2() {
        // a = 1.6 erlangs on 2 servers: W = C(2, a) / (c mu - lambda).
        let a = 1.6;
        let expected = erlang_c(2, a) / (2.0 - a);
        let (w, _) = simulate(1.6, 1.0, 2, None, 400_000);
        assert!(
            (w - expected).abs() < 0.06 * expected,
            "mean wait {w} ms, M/M/2 says {expected}"
        );
    }

    #[test]
    fn many_servers_wait_as_m_m_c() {
        // 32 servers (the heap, not the scan) at a = 28 erlangs.
        let a = 28.0;
        let expected = erlang_c(32, a) / (32.0 - a);
        let (w, _) = simulate(a, 1.0, 32, None, 1_000_000);
        assert!(
            (w - expected).abs() < 0.08 * expected,
            "mean wait {w} ms, M/M/32 says {expected}"
        );
    }

    #[test]
    fn a_full_queue_turns_jobs_away_as_m_m_1_k() {
        // One server, at most 2 waiting: K = 3 in the system. At rho = 1
        // every state is equally likely: blocking 1 / (K + 1) = 25 %.
        let (_, lost) = simulate(1.0, 1.0, 1, Some(2), 400_000);
        assert!(
            (lost - 0.25).abs() < 0.01,
            "turned away {lost}, M/M/1/3 says 0.25"
        );
        // No waiting room (M/M/1/1, Erlang B): a = 1 loses a / (1 + a).
        let (_, lost) = simulate(1.0, 1.0, 1, Some(0), 400_000);
        assert!(
            (lost - 0.5).abs() < 0.01,
            "turned away {lost}, Erlang B says 0.5"
        );
        // At rho = 0.5: (1 - rho) rho^K / (1 - rho^(K+1)) = 1/15.
        let (_, lost) = simulate(0.5, 1.0, 1, Some(2), 400_000);
        let expected = 0.5 * 0.125 / (1.0 - 0.0625);
        assert!(
            (lost - expected).abs() < 0.006,
            "turned away {lost}, M/M/1/3 says {expected}"
        );
    }
}
