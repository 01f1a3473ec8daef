//! Incidents: what each failure of the measured span did, milestone by
//! milestone. An incident starts when a failure starts while none of the
//! span is going on, takes in every failure that starts before the last of
//! them ends, and ends with it. Its milestones (detection, DNS convergence,
//! promotion, recovery per client region) are the first of each after its
//! start; recovery is followed until the next incident starts.
//!
//! Availability inside an incident is counted per client region in
//! one-second slots of request send time, from its start until the next
//! incident starts (or the run ends): what "availability back above the
//! threshold" and downtime read, at a resolution that does not depend on
//! the report's bucket width. Downtime is time: a second in which no
//! request was sent takes the verdict of the last second before it that
//! had requests (the service does not come back unobserved). Only the
//! current incident holds slots, the last [`SLOTS`] seconds of them: a
//! second is judged once a request sent [`SLOTS`] seconds later has its
//! outcome (a request whose outcome comes more than six hours after it was
//! sent is not counted in it), and closing the incident judges the rest.

use super::{Recovery, RunMetrics};
use crate::engine::{Duration, Time};
use crate::scenario::RegionId;

/// Incidents a run records one by one; those past it are only counted
/// ([`RunMetrics::incidents_total`]), so that a long run with frequent
/// random failures keeps a bounded report.
pub const MAX_INCIDENTS: usize = 1000;

/// Width of an incident's availability slot: one second.
pub const SLOT: Duration = Duration::from_secs(1);
/// Slots an incident keeps open for outcomes to come in: six hours.
pub const SLOTS: usize = 6 * 3600;

/// How DNS moved users away from the first app tier the health checks saw
/// down in an incident.
#[derive(Clone, Debug, Default)]
pub struct DnsMetrics {
    /// The region watched, the resolver groups that answered it then, and
    /// how many have switched away since.
    pub watching: Option<(RegionId, usize, usize)>,
    /// When it was seen down.
    pub detection: Option<Time>,
    /// When 50 %, 95 % and 100 % of those groups had switched away.
    pub converged: [Option<Time>; 3],
}

/// One incident of a run.
#[derive(Clone, Debug)]
pub struct Incident {
    /// The failure (index in the scenario's list) that started it, and how
    /// many started while it went on (itself included).
    pub failure: u16,
    pub failures: u16,
    pub start: Time,
    /// When its last failure ended (`Time::NEVER`: after the span).
    pub end: Time,
    /// First target the health checks saw down.
    pub detection: Option<Time>,
    /// DNS moving users off the first app tier seen down.
    pub dns: DnsMetrics,
    /// First promotion (of any dataset).
    pub promotion: Option<Time>,
    /// Acknowledged writes its promotions discarded, and the largest
    /// commit-time window one promotion's lost writes spanned.
    pub lost: u64,
    pub lost_window: Duration,
    /// Per client region, reads' and writes' recovery time from `start`:
    /// zero when none failed, `None` when they were not back before the
    /// span (or the next incident) began. Filled in when it is closed.
    pub rto: Vec<[Option<Duration>; 2]>,
    /// The first write, in any region, that succeeded after that region's
    /// writes had failed (`start` when none failed).
    pub first_write: Option<Time>,
    /// Requests sent and succeeded per (slot, client region): `[(slot -
    /// judged) * regions + region]`, for the slots not yet judged, while
    /// the incident is current.
    slots: std::collections::VecDeque<[u32; 2]>,
    /// Slots judged so far (every slot before this one).
    judged: usize,
    /// The verdict of the last judged slot with requests, over every
    /// region and per region (what a slot without requests inherits).
    was_down: bool,
    region_was_down: Vec<bool>,
    /// The last judged slot below the threshold, and the last with
    /// requests.
    last_down: Option<usize>,
    last_with_requests: Option<usize>,
    /// Seconds (slots) whose availability was below the threshold: over
    /// every region, and per client region. Filled in when it is closed.
    pub downtime: u32,
    pub region_downtime: Vec<u32>,
    /// Availability over every region back at or above the threshold for
    /// good: the end of the last slot below it, if a slot with requests
    /// followed (zero when none was below). Filled in when it is closed.
    pub availability_back: Option<Duration>,
}

/// Whether a slot with `attempted` requests of which `ok` succeeded is
/// below `threshold` (one without requests is not).
fn below(threshold: f64, attempted: u64, ok: u64) -> bool {
    attempted > 0 && (ok as f64) < threshold * attempted as f64
}

impl RunMetrics {
    /// The incident that milestones now belong to: the latest one.
    fn current(&mut self) -> Option<&mut Incident> {
        self.incidents.last_mut()
    }

    /// Whether an incident is going on (one of its failures is active).
    pub fn incident_open(&self) -> bool {
        self.incidents.last().is_some_and(|i| i.end == Time::NEVER)
    }

    /// Failure `failure` started at `now`: it opens an incident if none is
    /// going on, or joins the one that is.
    pub fn failure_started(&mut self, failure: usize, now: Time) {
        if !(self.span_start..self.span_end).contains(&now) {
            return;
        }
        if self.incident_open() {
            let i = self.incidents.last_mut().expect("an open incident");
            i.failures = i.failures.saturating_add(1);
            return;
        }
        self.incidents_total += 1;
        if self.incidents.len() >= MAX_INCIDENTS {
            return;
        }
        self.close_recovery();
        self.incident_start = now;
        self.incidents.push(Incident {
            failure: failure as u16,
            failures: 1,
            start: now,
            end: Time::NEVER,
            detection: None,
            dns: DnsMetrics::default(),
            promotion: None,
            lost: 0,
            lost_window: Duration::ZERO,
            rto: Vec::new(),
            first_write: None,
            slots: std::collections::VecDeque::new(),
            judged: 0,
            was_down: false,
            region_was_down: Vec::new(),
            last_down: None,
            last_with_requests: None,
            downtime: 0,
            region_downtime: Vec::new(),
            availability_back: None,
        });
    }

    /// The last active failure ended at `now`.
    pub fn failures_ended(&mut self, now: Time) {
        if self.incident_open() {
            self.incidents.last_mut().expect("an open incident").end = now;
        }
    }

    /// The current incident's recovery is final (the next one starts, or
    /// the run ends): each client region's read and write RTO, and the
    /// first write back. The first incident's recovery also stays in the
    /// client metrics, for the per-region figures.
    pub fn close_recovery(&mut self) {
        let datasets = self.datasets;
        let regions = self.clients.len() / datasets.max(1);
        let first = self.incidents.len() == 1;
        let Some(incident) = self.incidents.last_mut() else {
            return;
        };
        if !incident.rto.is_empty() {
            return;
        }
        let start = incident.start;
        incident.close_slots(regions, self.availability_threshold);
        let mut first_write: Option<Time> = None;
        let mut any_write_failed = false;
        for r in 0..regions {
            let mut merged = [Recovery::default(); 2];
            for c in &mut self.clients[r * datasets..(r + 1) * datasets] {
                for (m, rec) in merged.iter_mut().zip(&c.recovery) {
                    m.merge(rec);
                }
                let w = &c.recovery[1];
                if w.last_failed.is_some() {
                    any_write_failed = true;
                    if let Some((_, done)) = w.back {
                        first_write = Some(first_write.map_or(done, |f| f.min(done)));
                    }
                }
                if first {
                    c.first_incident = c.recovery;
                }
                c.recovery = [Recovery::default(); 2];
            }
            incident
                .rto
                .push([merged[0].rto(start), merged[1].rto(start)]);
        }
        incident.first_write = if any_write_failed {
            first_write
        } else {
            Some(start)
        };
    }

    /// A request of client pair `client` sent at `sent`, at or after the
    /// current incident's start, succeeded (`ok`) or failed.
    pub fn incident_outcome(&mut self, client: usize, sent: Time, ok: bool) {
        let datasets = self.datasets.max(1);
        let regions = self.clients.len() / datasets;
        let Some(i) = self.incidents.last_mut() else {
            return;
        };
        if !i.rto.is_empty() || sent < i.start {
            return;
        }
        let slot = (sent.since(i.start).as_nanos() / SLOT.as_nanos()) as usize;
        if slot < i.judged {
            // Sent more than six hours before a request already answered.
            return;
        }
        if slot >= i.judged + SLOTS {
            let threshold = self.availability_threshold;
            let i = self.incidents.last_mut().expect("an incident");
            i.judge(slot + 1 - SLOTS - i.judged, regions, threshold);
        }
        let i = self.incidents.last_mut().expect("an incident");
        let at = (slot - i.judged) * regions + client / datasets;
        if i.slots.len() <= at {
            i.slots.resize((slot - i.judged + 1) * regions, [0, 0]);
        }
        let s = &mut i.slots[at];
        s[0] += 1;
        s[1] += u32::from(ok);
    }

    /// The health checks saw a target down at `now`.
    pub fn record_down_verdict(&mut self, now: Time) {
        self.record_group_detection(now);
    }

    /// A consensus group's voters stopped hearing from their leader and
    /// one stood for election at `now`: the group saw the failure itself
    /// (the incident's detection, if nothing saw it earlier).
    pub fn record_group_detection(&mut self, now: Time) {
        if let Some(i) = self.current() {
            i.detection.get_or_insert(now);
        }
    }

    /// A failover of `dataset` started at `now` (the primary's database
    /// seen down).
    pub fn record_detection(&mut self, dataset: usize, now: Time) {
        if (self.span_start..self.span_end).contains(&now) {
            let w = &mut self.writes[dataset];
            w.failovers_started += 1;
            w.first_detection.get_or_insert(now.since(self.span_start));
        }
    }

    /// A promotion of `dataset` completed at `now`.
    pub fn record_promotion(&mut self, dataset: usize, now: Time, p: super::Promotion) {
        if !(self.span_start..self.span_end).contains(&now) {
            return;
        }
        let window = p.lost_window.map_or(Duration::ZERO, |(a, b)| b.since(a));
        let w = &mut self.writes[dataset];
        w.promotions += 1;
        w.lost += p.lost;
        w.lost_window = w.lost_window.max(window);
        w.first_promotion.get_or_insert(now.since(self.span_start));
        w.first_promoted.get_or_insert(p.to);
        w.target_down += u64::from(p.target_down);
        if let Some(i) = self.current() {
            i.promotion.get_or_insert(now);
            i.lost += p.lost;
            i.lost_window = i.lost_window.max(window);
        }
    }

    /// The health checks saw the app tier of `region` down at `now`, while
    /// `answering` resolver groups sent users there: the first such verdict
    /// of an incident starts its DNS convergence watch.
    pub fn watch_dns(&mut self, region: RegionId, answering: usize, now: Time) {
        if !(self.span_start..self.span_end).contains(&now) {
            return;
        }
        let Some(dns) = self.current().map(|i| &mut i.dns) else {
            return;
        };
        if dns.watching.is_some() || dns.detection.is_some() {
            return;
        }
        dns.detection = Some(now);
        if answering > 0 {
            dns.watching = Some((region, answering, 0));
        } else {
            dns.converged = [Some(now); 3];
        }
    }

    /// A resolver group switched away from `old` at `now`.
    pub fn record_dns_switch(&mut self, old: RegionId, now: Time) {
        let Some(dns) = self.current().map(|i| &mut i.dns) else {
            return;
        };
        let Some((region, total, switched)) = dns.watching.as_mut() else {
            return;
        };
        if old != *region {
            return;
        }
        *switched += 1;
        for (i, share) in [0.5, 0.95, 1.0].into_iter().enumerate() {
            if dns.converged[i].is_none() && *switched as f64 >= share * *total as f64 {
                dns.converged[i] = Some(now);
            }
        }
        if *switched >= *total {
            dns.watching = None;
        }
    }

    /// The first incident's DNS watch (what the `dns` figures report).
    pub fn first_dns(&self) -> Option<&DnsMetrics> {
        self.incidents.first().map(|i| &i.dns)
    }
}

impl Incident {
    /// Judges the oldest `n` open slots (every one when `n` covers them):
    /// each second below `threshold` counts as downtime, over every region
    /// and per region; a second without requests takes the verdict of the
    /// last one before it that had requests.
    fn judge(&mut self, n: usize, regions: usize, threshold: f64) {
        let regions = regions.max(1);
        if self.region_downtime.len() != regions {
            self.region_downtime = vec![0; regions];
            self.region_was_down = vec![false; regions];
        }
        let open = self.slots.len() / regions;
        for k in 0..n {
            let (mut attempted, mut ok) = (0u64, 0u64);
            if k < open {
                for (r, s) in self.slots.range(k * regions..(k + 1) * regions).enumerate() {
                    attempted += u64::from(s[0]);
                    ok += u64::from(s[1]);
                    if s[0] > 0 {
                        self.region_was_down[r] =
                            below(threshold, u64::from(s[0]), u64::from(s[1]));
                    }
                    if self.region_was_down[r] {
                        self.region_downtime[r] += 1;
                    }
                }
            } else {
                for (r, &down) in self.region_was_down.iter().enumerate() {
                    self.region_downtime[r] += u32::from(down);
                }
            }
            let slot = self.judged + k;
            if attempted > 0 {
                self.last_with_requests = Some(slot);
                self.was_down = below(threshold, attempted, ok);
            }
            if self.was_down {
                self.downtime += 1;
                self.last_down = Some(slot);
            }
        }
        self.slots.drain(..(n * regions).min(self.slots.len()));
        self.judged += n;
    }

    /// Judges every slot left, reduces them to downtime and the time
    /// availability was back, and drops them.
    fn close_slots(&mut self, regions: usize, threshold: f64) {
        let open = self.slots.len() / regions.max(1);
        self.judge(open, regions, threshold);
        self.slots = std::collections::VecDeque::new();
        self.availability_back = match self.last_down {
            None => Some(Duration::ZERO),
            Some(d) if self.last_with_requests > Some(d) => {
                Some(Duration::from_nanos(SLOT.as_nanos() * (d as u64 + 1)))
            }
            Some(_) => None,
        };
    }
}
