//! Failures: what the scenario's `failures` take down, and when.
//!
//! Each failure starts and ends with an event. What it does is state, set
//! on the [network](super::net) and read by everything that crosses it:
//! - a **region outage** takes the region's app tier and database nodes
//!   down: requests that reach them are not answered, replication to and
//!   from them waits;
//! - a **service** failure takes one of the two down;
//! - a **zone** failure takes the consensus members in one zone of a
//!   region down (the k-th a group lists there), nothing else;
//! - a **partition** takes every link between its two sets down, both ways;
//! - a **link degradation** multiplies the link's delays, adds to them and
//!   loses a share of its messages, both ways.
//!
//! Failures overlap freely: a link's state is computed from every failure
//! active on it (down if any partition cuts it; factors multiply, added
//! delays add, survival probabilities multiply), and a service is down
//! while any failure holds it down. What is already on its way when a
//! failure starts meets it where it arrives: a request that reaches a node
//! that went down is not answered, a replicated write not yet applied at a
//! replica that went down is sent again when the replica is back (the
//! stream resumes from the last write it applied).

use super::net::{LinkId, LinkState, Network};
use super::{Event, World};
use crate::engine::{stream, Scheduler, SimRng, Time};
use crate::scenario::{Failure, FailureKind, FailureTiming, RegionId, Scenario, Service};

/// A failure's stable name: its random stream derives from it.
fn describe(s: &Scenario, kind: &FailureKind) -> String {
    let name = |r: &RegionId| s.regions[usize::from(r.0)].name.clone();
    match kind {
        FailureKind::Switchover(d, _) => {
            format!("switchover/{}", s.datasets[usize::from(d.0)].name)
        }
        FailureKind::Region(r) => format!("region/{}", name(r)),
        FailureKind::Service(r, Service::App) => format!("app/{}", name(r)),
        FailureKind::Service(r, Service::Database) => format!("database/{}", name(r)),
        FailureKind::Zone(r, k) => format!("zone/{}#{k}", name(r)),
        FailureKind::ApplySlowdown(r, _) => format!("apply/{}", name(r)),
        FailureKind::LoadBurst(r, _) => format!("load/{}", name(r)),
        FailureKind::ClockStep(r, _) => format!("clock/{}", name(r)),
        FailureKind::Errors(r, _) => format!("errors/{}", name(r)),
        FailureKind::AppSlowdown(r, _) => format!("slow/{}", name(r)),
        FailureKind::Partition(a, b) => format!(
            "partition/{}/{}",
            a.iter().map(name).collect::<Vec<_>>().join("+"),
            b.iter().map(name).collect::<Vec<_>>().join("+")
        ),
        FailureKind::Link { between, .. } => {
            format!("link/{}/{}", name(&between.0), name(&between.1))
        }
    }
}

/// The events of failures.
#[derive(Clone, Copy, Debug)]
pub enum FaultEvent {
    /// Failure `failure` (its index in the scenario) starts.
    Start { failure: u16 },
    /// Failure `failure` ends.
    End { failure: u16 },
}

/// The scenario's failures and which of them are under way.
pub struct Faults {
    failures: Vec<Failure>,
    active: Vec<bool>,
    /// Per failure, its own stream (random failures draw from it).
    rng: Vec<SimRng>,
    /// The end of the measured span: no random failure starts after it.
    end: Time,
}

impl Faults {
    pub fn new(scenario: &Scenario, run: u64) -> Faults {
        let rng = scenario
            .failures
            .iter()
            .enumerate()
            .map(|(i, f)| {
                stream(
                    scenario.seed,
                    run,
                    &format!("failure/{i}/{}", describe(scenario, &f.kind)),
                )
            })
            .collect();
        Faults {
            failures: scenario.failures.clone(),
            active: vec![false; scenario.failures.len()],
            rng,
            end: Time::ZERO + scenario.warmup + scenario.duration,
        }
    }

    /// Queues the start and end of every scheduled failure, and the first
    /// start of every random one; `warmup` is the start of the measured
    /// span, from which scheduled failures are timed.
    pub fn schedule(&mut self, warmup: Time, sched: &mut Scheduler<Event>) {
        for (i, f) in self.failures.iter().enumerate() {
            let failure = i as u16;
            match &f.timing {
                FailureTiming::Scheduled { at, duration } => {
                    let start = warmup + *at;
                    sched.schedule(start, Event::Fault(FaultEvent::Start { failure }));
                    sched.schedule(start + *duration, Event::Fault(FaultEvent::End { failure }));
                }
                FailureTiming::Random { mtbf, .. } => {
                    let start = Time::ZERO + mtbf.sample(&mut self.rng[i]);
                    if start < self.end {
                        sched.schedule(start, Event::Fault(FaultEvent::Start { failure }));
                    }
                }
            }
        }
    }

    /// A random failure `f` started or ended at `now`: its next end or
    /// start, drawn from its stream (none past the end of the run).
    fn next(&mut self, f: usize, started: bool, now: Time, sched: &mut Scheduler<Event>) {
        let FailureTiming::Random { mtbf, mttr } = &self.failures[f].timing else {
            return;
        };
        let failure = f as u16;
        if started {
            // It ends even past the end of the run: nothing waits for ever.
            let end = now + mttr.sample(&mut self.rng[f]);
            sched.schedule(end, Event::Fault(FaultEvent::End { failure }));
        } else {
            let start = now + mtbf.sample(&mut self.rng[f]);
            if start < self.end {
                sched.schedule(start, Event::Fault(FaultEvent::Start { failure }));
            }
        }
    }

    /// The links failure `f` changes.
    fn links(&self, f: usize, net: &Network) -> Vec<LinkId> {
        let mut out = Vec::new();
        let mut both = |a: RegionId, b: RegionId| {
            out.push(net.link(a, b));
            out.push(net.link(b, a));
        };
        match &self.failures[f].kind {
            FailureKind::Switchover(..)
            | FailureKind::Region(_)
            | FailureKind::Service(..)
            | FailureKind::Zone(..)
            | FailureKind::ApplySlowdown(..)
            | FailureKind::LoadBurst(..)
            | FailureKind::ClockStep(..)
            | FailureKind::Errors(..)
            | FailureKind::AppSlowdown(..) => {}
            FailureKind::Partition(x, y) => {
                for &a in x {
                    for &b in y {
                        both(a, b);
                    }
                }
            }
            FailureKind::Link { between, .. } => both(between.0, between.1),
        }
        out
    }

    /// The state of the link from `from` to `to` under the failures now
    /// active.
    fn link_state(&self, from: RegionId, to: RegionId) -> LinkState {
        let mut state = LinkState::NOMINAL;
        let mut survive = 1.0;
        for (f, _) in self.failures.iter().zip(&self.active).filter(|(_, &a)| a) {
            match &f.kind {
                FailureKind::Partition(x, y) => {
                    let across =
                        |a: &[RegionId], b: &[RegionId]| a.contains(&from) && b.contains(&to);
                    if across(x, y) || across(y, x) {
                        state.up = false;
                    }
                }
                FailureKind::Link {
                    between,
                    delay_factor,
                    added_delay,
                    loss,
                } if (from, to) == *between || (to, from) == *between => {
                    state.delay_factor *= delay_factor;
                    state.added_delay += *added_delay;
                    survive *= 1.0 - loss;
                }
                _ => {}
            }
        }
        state.loss = 1.0 - survive;
        state
    }

    /// Whether the app tier and the database nodes of `region` are up
    /// under the failures now active.
    fn services(&self, region: RegionId) -> (bool, bool) {
        let (mut app, mut db) = (true, true);
        for (f, _) in self.failures.iter().zip(&self.active).filter(|(_, &a)| a) {
            match f.kind {
                FailureKind::Region(r) if r == region => (app, db) = (false, false),
                FailureKind::Service(r, Service::App) if r == region => app = false,
                FailureKind::Service(r, Service::Database) if r == region => db = false,
                _ => {}
            }
        }
        (app, db)
    }

    /// How many times slower the replicas of `region` apply writes, how
    /// many times their requests its users send, and how many times slower
    /// its app tier serves, under the failures now active (factors of
    /// overlapping failures multiply).
    fn factors(&self, region: RegionId) -> (f64, f64, f64) {
        let (mut apply, mut load, mut app) = (1.0, 1.0, 1.0);
        for (f, _) in self.failures.iter().zip(&self.active).filter(|(_, &a)| a) {
            match f.kind {
                FailureKind::ApplySlowdown(r, x) if r == region => apply *= x,
                FailureKind::LoadBurst(r, x) if r == region => load *= x,
                FailureKind::AppSlowdown(r, x) if r == region => app *= x,
                _ => {}
            }
        }
        (apply, load, app)
    }

    /// How far the clock of `region` is stepped now, in ns (steps of
    /// overlapping failures add).
    fn clock_step(&self, region: RegionId) -> f64 {
        self.failures
            .iter()
            .zip(&self.active)
            .filter(|(_, &a)| a)
            .map(|(f, _)| match f.kind {
                FailureKind::ClockStep(r, x) if r == region => x,
                _ => 0.0,
            })
            .sum()
    }

    /// The share of requests the app tier of `region` fails under the
    /// gray failures now active (overlapping ones fail independently).
    fn error_share(&self, region: RegionId) -> f64 {
        let ok: f64 = self
            .failures
            .iter()
            .zip(&self.active)
            .filter(|(_, &a)| a)
            .map(|(f, _)| match f.kind {
                FailureKind::Errors(r, x) if r == region => 1.0 - x,
                _ => 1.0,
            })
            .product();
        1.0 - ok
    }

    /// The zones of `region` down under the failures now active (bit k - 1
    /// for zone k).
    fn zones_down(&self, region: RegionId) -> u64 {
        self.failures
            .iter()
            .zip(&self.active)
            .filter(|(_, &a)| a)
            .map(|(f, _)| match f.kind {
                FailureKind::Zone(r, k) if r == region => 1u64 << (k - 1),
                _ => 0,
            })
            .fold(0, |a, b| a | b)
    }

    /// The region whose services failure `f` changes, if it is one.
    fn region(&self, f: usize) -> Option<RegionId> {
        match self.failures[f].kind {
            FailureKind::Region(r) | FailureKind::Service(r, _) => Some(r),
            _ => None,
        }
    }
}

impl World {
    /// A failure starts or ends at `now`.
    #[inline(never)]
    pub(super) fn on_fault(&mut self, now: Time, event: FaultEvent, sched: &mut Scheduler<Event>) {
        let (f, on) = match event {
            FaultEvent::Start { failure } => (usize::from(failure), true),
            FaultEvent::End { failure } => (usize::from(failure), false),
        };
        self.faults.active[f] = on;
        if on {
            self.metrics.failure_started(f, now);
        } else if !self.faults.active.iter().any(|&a| a) {
            self.metrics.failures_ended(now);
        }
        self.faults.next(f, on, now, sched);
        let mut came_up = false;
        for link in self.faults.links(f, &self.net) {
            let from = RegionId((link.index() / self.regions) as u16);
            let to = self.net.to(link);
            let state = self.faults.link_state(from, to);
            came_up |= self.change_link(link, state, now);
        }
        if came_up {
            // Once every link is set: acknowledgements come back the other
            // way.
            self.resume(now, sched);
        }
        if !self.faults.links(f, &self.net).is_empty() {
            self.topology_changed(now, sched);
        }
        if let Some(region) = self.faults.region(f) {
            let (app, db) = self.faults.services(region);
            self.set_services(region, app, db, now, sched);
        }
        match self.faults.failures[f].kind {
            FailureKind::ApplySlowdown(region, _) => {
                let (apply, ..) = self.faults.factors(region);
                self.net.set_apply_factor(region, apply);
            }
            FailureKind::LoadBurst(region, _) => {
                let (_, load, _) = self.faults.factors(region);
                self.set_load(region, load, now, sched);
            }
            FailureKind::ClockStep(region, _) => {
                let step = self.faults.clock_step(region);
                self.net.set_clock_step(region, step);
            }
            FailureKind::Errors(region, _) => {
                let share = self.faults.error_share(region);
                self.net.set_error_share(region, share);
            }
            FailureKind::AppSlowdown(region, _) => {
                let (.., app) = self.faults.factors(region);
                self.net.set_app_factor(region, app);
            }
            FailureKind::Switchover(d, to) if on => {
                self.switchover(usize::from(d.0), to, now, sched);
            }
            FailureKind::Zone(region, _) => {
                let down = self.faults.zones_down(region);
                self.net.set_zones_down(region, down);
                if !on {
                    self.resume(now, sched);
                }
                self.topology_changed(now, sched);
            }
            _ => {}
        }
    }
}
