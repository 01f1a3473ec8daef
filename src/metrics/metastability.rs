//! Metastability (Huang et al., OSDI 2022): after a trigger (a failure, a
//! load spike) ends, does the design come back to the state it was in
//! before, or do its own retries keep it where the trigger put it?
//!
//! The state before is the span's buckets wholly before its first
//! incident. A bucket of an app tier or commit path is *back* when the
//! jobs offered to it (every attempt, retries included) and its
//! utilisation are within the tolerance of their level before, plus four
//! Poisson standard deviations of the bucket's expected count (so that a
//! light load's noise is not read as a storm), and it was not saturated
//! (busy 99 % of the bucket) unless it was before; a client region's
//! bucket is back when its attempts (first sends and retries) and its
//! failed requests are, and the mean latency of its answered requests is
//! within the tolerance and four standard errors of the mean before (users
//! still served far away, or from a queue, are not back). After each
//! incident, the buckets from the one holding its last failure's end up to
//! the one holding the next incident's start (or the end of the span) are
//! judged: the thing is back from the bucket after the last one that was
//! not. *Back after* is that bucket's start
//! minus the failure's end (0 when none was out; one bucket's resolution);
//! it is *metastable* when that is later than `within`, or when it was
//! still out at the last bucket judged and that bucket ends `within` or
//! more after the failure did (shorter: not known, null).

use super::{ClientMetrics, StationStats};
use crate::engine::{Duration, Time};

/// Poisson standard deviations a bucket's count may exceed its expected
/// count by and still count as back: a false "out" at most about once in
/// 30,000 buckets.
const SIGMAS: f64 = 4.0;

/// A station busy this share of a bucket or more is saturated: never back
/// unless it was as busy before.
const SATURATED: f64 = 0.99;

/// What one thing did after one incident.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Judged {
    /// From the end of the incident's last failure to the start of the
    /// bucket from which it was back; `None`: not back by the last bucket
    /// judged.
    pub back_after: Option<Duration>,
    /// Not back within the stated time; `None`: not known (the span after
    /// the failure was too short to tell).
    pub metastable: Option<bool>,
}

/// The buckets of a run's measured span.
#[derive(Clone, Copy, Debug)]
pub struct Buckets {
    pub start: Time,
    pub end: Time,
    pub width: Duration,
}

impl Buckets {
    /// Number of buckets (the last may be cut short).
    pub fn count(&self) -> usize {
        self.end
            .since(self.start)
            .as_nanos()
            .div_ceil(self.width.as_nanos()) as usize
    }

    /// The bucket holding `t` (clamped to the span).
    fn of(&self, t: Time) -> usize {
        (t.max(self.start).since(self.start).as_nanos() / self.width.as_nanos()) as usize
    }

    fn bucket_end(&self, i: usize) -> Time {
        (self.start + Duration::from_nanos(self.width.as_nanos() * (i as u64 + 1))).min(self.end)
    }

    /// Width of bucket `i` in seconds.
    fn seconds(&self, i: usize) -> f64 {
        let from = self.start + Duration::from_nanos(self.width.as_nanos() * i as u64);
        self.bucket_end(i).since(from).as_secs_f64()
    }

    /// Seconds of the first `pre` buckets; `None` for none.
    fn seconds_before(&self, pre: usize) -> Option<f64> {
        (pre > 0).then(|| (0..pre).map(|i| self.seconds(i)).sum())
    }

    /// Buckets wholly before `t`.
    pub fn before(&self, t: Time) -> usize {
        self.of(t).min(self.count())
    }
}

/// Whether `count` is within `tolerance` (relative) and four standard
/// deviations of a Poisson count of mean `expected`.
fn within_band(count: f64, expected: f64, tolerance: f64) -> bool {
    count <= expected * (1.0 + tolerance) + SIGMAS * expected.sqrt()
}

/// Per bucket, whether a station was back: `pre` buckets before the first
/// incident give its level. `None` without a bucket before it.
pub fn station_back(
    st: &StationStats,
    servers: u32,
    b: &Buckets,
    pre: usize,
    tolerance: f64,
) -> Option<Vec<bool>> {
    let pre_s = b.seconds_before(pre)?;
    let rate = st.offered_by_bucket[..pre].iter().sum::<u64>() as f64 / pre_s;
    let busy: f64 = st.busy_by_bucket[..pre]
        .iter()
        .map(|d| d.as_secs_f64())
        .sum();
    let servers = f64::from(servers);
    let utilisation = busy / servers / pre_s;
    Some(
        (0..b.count())
            .map(|i| {
                let w = b.seconds(i);
                let expected = rate * w;
                let offered = st.offered_by_bucket.get(i).copied().unwrap_or(0) as f64;
                let u = st.busy_by_bucket.get(i).map_or(0.0, |d| d.as_secs_f64()) / servers / w;
                // Busy time sums service times: with exponential ones its
                // relative deviation is sqrt(2 / n) for n jobs.
                let noise = if expected > 0.0 {
                    SIGMAS * (2.0 / expected).sqrt()
                } else {
                    0.0
                };
                // However loose the tolerance, a saturated bucket is not
                // back unless the station was saturated before.
                let most =
                    (utilisation * (1.0 + tolerance + noise)).min(SATURATED.max(utilisation));
                within_band(offered, expected, tolerance) && u <= most + 1e-9
            })
            .collect(),
    )
}

/// Per bucket, whether a client region was back (see [`station_back`]).
pub fn client_back(
    c: &ClientMetrics,
    b: &Buckets,
    pre: usize,
    tolerance: f64,
) -> Option<Vec<bool>> {
    let pre_s = b.seconds_before(pre)?;
    let first: u64 = c.bucket_attempted[..pre].iter().sum();
    let attempts = (first + c.bucket_retries[..pre].iter().sum::<u64>()) as f64 / pre_s;
    let failed: u64 = c.bucket_failed[..pre].iter().sum();
    let failed_share = if first == 0 {
        0.0
    } else {
        failed as f64 / first as f64
    };
    // The latency of the requests answered before: mean and deviation.
    let answered: u64 = c.bucket_succeeded[..pre].iter().sum();
    debug_assert_eq!(c.bucket_latency.len(), c.bucket_succeeded.len());
    let [sum, squares] = c.bucket_latency[..pre]
        .iter()
        .fold([0.0; 2], |a, l| [a[0] + l[0], a[1] + l[1]]);
    let latency = (answered > 0).then(|| {
        let n = answered as f64;
        let mean = sum / n;
        (mean, (squares / n - mean * mean).max(0.0).sqrt())
    });
    Some(
        (0..b.count())
            .map(|i| {
                let sent = (c.bucket_attempted[i] + c.bucket_retries[i]) as f64;
                let expected_failed = failed_share * c.bucket_attempted[i] as f64;
                // The mean latency of the bucket's answered requests
                // within the tolerance and four standard errors.
                let ok = c.bucket_succeeded[i];
                let fast = match latency {
                    Some((mean, sd)) if ok > 0 => {
                        let n = ok as f64;
                        c.bucket_latency[i][0] / n
                            <= mean * (1.0 + tolerance) + SIGMAS * sd / n.sqrt()
                    }
                    _ => true,
                };
                within_band(sent, attempts * b.seconds(i), tolerance)
                    && within_band(c.bucket_failed[i] as f64, expected_failed, tolerance)
                    && fast
            })
            .collect(),
    )
}

/// Judges `back` (per bucket) after an incident whose last failure ended
/// at `end`, up to the next incident's start `next` (`Time::NEVER`: none).
/// `None` when no bucket is left to judge (the failure outlasted the span,
/// or the next incident began in the same bucket).
pub fn judge(
    back: &[bool],
    b: &Buckets,
    end: Time,
    next: Time,
    within: Duration,
) -> Option<Judged> {
    if end >= b.end {
        return None;
    }
    let first = b.of(end);
    let last = if next < b.end { b.of(next) } else { b.count() };
    if last <= first {
        return None;
    }
    let window_end = b.bucket_end(last - 1);
    let back_after = match (first..last).rev().find(|&i| !back[i]) {
        None => Some(Duration::ZERO),
        Some(j) if j == last - 1 => None,
        Some(j) => Some(b.bucket_end(j).since(end)),
    };
    let metastable = match back_after {
        Some(d) => Some(d > within),
        None => (window_end.since(end) >= within).then_some(true),
    };
    Some(Judged {
        back_after,
        metastable,
    })
}

/// The worst of several judgements of one thing: not back if any was not,
/// else the latest back; metastable if any was, not if every one was
/// known not to be, else not known.
pub fn worst(judged: impl IntoIterator<Item = Judged>) -> Option<Judged> {
    let mut out: Option<Judged> = None;
    for j in judged {
        out = Some(match out {
            None => j,
            Some(o) => Judged {
                back_after: o.back_after.zip(j.back_after).map(|(a, b)| a.max(b)),
                metastable: match (o.metastable, j.metastable) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                },
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets() -> Buckets {
        Buckets {
            start: Time::ZERO,
            end: Time::ZERO + Duration::from_secs(100),
            width: Duration::from_secs(10),
        }
    }

    fn at(s: u64) -> Time {
        Time::ZERO + Duration::from_secs(s)
    }

    #[test]
    fn back_after_is_the_end_of_the_last_bucket_out() {
        let mut back = vec![true; 10];
        // The failure ends at 25 s; buckets 2-4 (20-50 s) are out.
        back[2..5].fill(false);
        let within = Duration::from_secs(30);
        let j = judge(&back, &buckets(), at(25), Time::NEVER, within).unwrap();
        assert_eq!(j.back_after, Some(Duration::from_secs(25)));
        assert_eq!(j.metastable, Some(false));
        let j = judge(
            &back,
            &buckets(),
            at(25),
            Time::NEVER,
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(j.metastable, Some(true));
        // The next incident starts at 45 s: buckets 2 and 3 are judged,
        // and the last is out: not back, 35 s judged.
        let j = judge(&back, &buckets(), at(25), at(45), within).unwrap();
        assert_eq!(j.back_after, None);
        assert_eq!(j.metastable, None);
        let j = judge(&back, &buckets(), at(25), at(45), Duration::from_secs(10)).unwrap();
        assert_eq!(j.metastable, Some(true));
        // Nothing out: back at once.
        let j = judge(&[true; 10], &buckets(), at(25), Time::NEVER, within).unwrap();
        assert_eq!(j.back_after, Some(Duration::ZERO));
        // A failure past the span, or a next one in the same bucket.
        assert_eq!(judge(&back, &buckets(), at(100), Time::NEVER, within), None);
        assert_eq!(judge(&back, &buckets(), at(25), at(28), within), None);
    }

    #[test]
    fn the_worst_judgement_wins() {
        let j = |b: Option<u64>, m: Option<bool>| Judged {
            back_after: b.map(Duration::from_secs),
            metastable: m,
        };
        let w = worst([j(Some(5), Some(false)), j(Some(9), Some(false))]).unwrap();
        assert_eq!(w, j(Some(9), Some(false)));
        let w = worst([j(Some(5), Some(false)), j(None, None)]).unwrap();
        assert_eq!(w, j(None, None));
        let w = worst([j(None, None), j(Some(70), Some(true))]).unwrap();
        assert_eq!(w, j(None, Some(true)));
        assert_eq!(worst([]), None);
    }

    #[test]
    fn a_poisson_band_lets_noise_through_and_a_storm_not() {
        // 700 expected: 4 sd is about 106.
        assert!(within_band(800.0, 700.0, 0.0));
        assert!(!within_band(810.0, 700.0, 0.0));
        assert!(within_band(870.0, 700.0, 0.1));
        assert!(!within_band(2800.0, 700.0, 0.1));
        // Nothing expected: nothing allowed.
        assert!(within_band(0.0, 0.0, 0.1));
        assert!(!within_band(1.0, 0.0, 0.1));
    }
}
