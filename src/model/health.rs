//! Health checks: checker regions probe every region's app tier and
//! database nodes, as Route 53 does.
//!
//! Each (target, checker) pair is a probe: every `interval`, from a phase
//! drawn once from the probe's own stream, the checker sends a message to
//! the target over the network. If it arrives, and the target's service is
//! up when it does, the answer comes back over the network; a probe whose
//! answer is not back within `timeout` has failed. The checker sees the
//! target unhealthy after `failure_threshold` failed probes in a row, and
//! healthy again after `recovery_threshold` answered ones. The target is
//! healthy while at least `healthy_share` of its checkers see it so: a
//! partition that cuts some checkers off makes the target look down to
//! them only. Every target starts healthy.
//!
//! A verdict that changes is passed on ([`World::on_verdict`]): to failover
//! control, and to the incident timelines.

use super::net::LinkId;
use super::{Event, World};
use crate::engine::{stream, Duration, Scheduler, SimRng, Time};
use crate::scenario::{HealthChecks, RegionId, Scenario, Service};
use rand::RngExt;

/// What happens to a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// It is sent.
    Send,
    /// It reaches its target.
    AtTarget,
    /// Its answer is back in time.
    Answered,
    /// It failed: no answer by its timeout.
    Failed,
}

/// The events of health checks: a step of a probe, packed in 32 bits (the
/// step in the top two) so that [`Event`] stays 8 bytes.
#[derive(Clone, Copy, Debug)]
pub struct HealthEvent(u32);

/// Most probes (checkers x targets) of a run: 2^30.
pub const MAX_PROBES: usize = 1 << 30;

impl HealthEvent {
    fn new(probe: usize, step: Step) -> HealthEvent {
        debug_assert!(probe < MAX_PROBES);
        HealthEvent(probe as u32 | (step as u32) << 30)
    }

    fn probe(self) -> usize {
        (self.0 & (MAX_PROBES as u32 - 1)) as usize
    }

    fn step(self) -> Step {
        match self.0 >> 30 {
            0 => Step::Send,
            1 => Step::AtTarget,
            2 => Step::Answered,
            _ => Step::Failed,
        }
    }
}

fn event(probe: usize, step: Step) -> Event {
    Event::Health(HealthEvent::new(probe, step))
}

/// What a verdict is about: a region's app tier or its database nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub region: RegionId,
    pub service: Service,
}

struct Probe {
    target: u32,
    to: LinkId,
    back: LinkId,
    sent: Time,
    /// Failed or answered probes in a row.
    failed: u32,
    answered: u32,
    /// The checker sees the target healthy.
    healthy: bool,
    rng: SimRng,
}

/// Every probe, and the verdict on every target.
pub struct Health {
    config: HealthChecks,
    targets: Vec<Target>,
    probes: Vec<Probe>,
    /// Per target: its checkers that see it healthy.
    seen_healthy: Vec<u32>,
    checkers: u32,
    /// Per target: the verdict.
    healthy: Vec<bool>,
}

impl Health {
    /// Probes of every region's app tier and database nodes from every
    /// checker; `None` without health checks.
    pub fn new(scenario: &Scenario, net: &super::net::Network, run: u64) -> Option<Health> {
        let config = scenario.health.clone()?;
        let mut targets = Vec::new();
        for r in 0..scenario.regions.len() {
            for service in [Service::App, Service::Database] {
                targets.push(Target {
                    region: RegionId(r as u16),
                    service,
                });
            }
        }
        let mut probes = Vec::new();
        for (t, target) in targets.iter().enumerate() {
            for &c in &config.checkers {
                let name = format!(
                    "health/{}/{}/{}",
                    scenario.regions[usize::from(c.0)].name,
                    scenario.regions[usize::from(target.region.0)].name,
                    match target.service {
                        Service::App => "app",
                        Service::Database => "database",
                    }
                );
                probes.push(Probe {
                    target: t as u32,
                    to: net.link(c, target.region),
                    back: net.link(target.region, c),
                    sent: Time::ZERO,
                    failed: 0,
                    answered: 0,
                    healthy: true,
                    rng: stream(scenario.seed, run, &name),
                });
            }
        }
        let checkers = config.checkers.len() as u32;
        Some(Health {
            seen_healthy: vec![checkers; targets.len()],
            healthy: vec![true; targets.len()],
            checkers,
            config,
            targets,
            probes,
        })
    }

    /// Queues every probe's first send, at a phase drawn from its stream.
    pub fn schedule(&mut self, sched: &mut Scheduler<Event>) {
        let interval = self.config.interval.as_nanos();
        for (i, p) in self.probes.iter_mut().enumerate() {
            let phase = Duration::from_nanos(p.rng.random_range(0..interval));
            sched.schedule(Time::ZERO + phase, event(i, Step::Send));
        }
    }

    /// The target of `region`'s `service`.
    pub fn target(&self, region: RegionId, service: Service) -> usize {
        usize::from(region.0) * 2 + usize::from(service == Service::Database)
    }

    /// The share of the checkers that see `region`'s `service` healthy.
    pub fn share_seen_healthy(&self, region: RegionId, service: Service) -> f64 {
        f64::from(self.seen_healthy[self.target(region, service)]) / f64::from(self.checkers.max(1))
    }

    /// The verdict on `region`'s `service`.
    pub fn is_healthy(&self, region: RegionId, service: Service) -> bool {
        self.healthy[self.target(region, service)]
    }
}

impl World {
    /// A health-check event at `now`.
    #[inline(never)]
    pub(super) fn on_health(&mut self, now: Time, e: HealthEvent, sched: &mut Scheduler<Event>) {
        let Some(h) = self.health.as_mut() else {
            return;
        };
        let timeout = h.config.timeout;
        let probe = e.probe();
        match e.step() {
            Step::Send => {
                let p = &mut h.probes[probe];
                p.sent = now;
                // Probes stop with the measured span.
                if now + h.config.interval < self.end {
                    sched.schedule(now + h.config.interval, event(probe, Step::Send));
                }
                match self.net.transit(p.to, now, 0, &mut p.rng) {
                    Some(at) if at < now + timeout => {
                        sched.schedule(at, event(probe, Step::AtTarget));
                    }
                    _ => sched.schedule(now + timeout, event(probe, Step::Failed)),
                }
            }
            Step::AtTarget => {
                let p = &mut h.probes[probe];
                let target = h.targets[p.target as usize];
                let deadline = p.sent + timeout;
                // When the target has answered: at once, or (a deep probe
                // of an app tier) as a request would be, failed by a gray
                // failure or served by a worker; `None`: not at all.
                let answered = match target.service {
                    Service::App if !self.net.app_up(target.region) => None,
                    Service::App if h.config.deep => {
                        if self.net.gray_error(target.region, &mut p.rng) {
                            None
                        } else {
                            let factor = self.net.app_factor(target.region);
                            match self.stations.app(target.region) {
                                Some(q) => q.admit_slowed(now, factor),
                                None => Some(now),
                            }
                        }
                    }
                    Service::App => Some(now),
                    Service::Database => self.net.db_up(target.region).then_some(now),
                };
                // The answer leaves when it is ready: its way back is drawn
                // now, in the link's order, and shifted by the wait.
                let back = answered.filter(|&at| at <= deadline).and_then(|at| {
                    let wait = at.since(now);
                    self.net
                        .transit(p.back, now, 0, &mut p.rng)
                        .map(|t| t + wait)
                });
                match back {
                    Some(at) if at <= deadline => sched.schedule(at, event(probe, Step::Answered)),
                    _ => sched.schedule(deadline, event(probe, Step::Failed)),
                }
            }
            step => {
                let ok = step == Step::Answered;
                let (fail_n, ok_n) = (h.config.failure_threshold, h.config.recovery_threshold);
                let p = &mut h.probes[probe];
                let t = p.target as usize;
                let was = p.healthy;
                if ok {
                    p.answered += 1;
                    p.failed = 0;
                    if p.answered >= ok_n {
                        p.healthy = true;
                    }
                } else {
                    p.failed += 1;
                    p.answered = 0;
                    if p.failed >= fail_n {
                        p.healthy = false;
                    }
                }
                if p.healthy == was {
                    return;
                }
                if p.healthy {
                    h.seen_healthy[t] += 1;
                } else {
                    h.seen_healthy[t] -= 1;
                }
                let verdict =
                    f64::from(h.seen_healthy[t]) >= h.config.healthy_share * f64::from(h.checkers);
                if verdict != h.healthy[t] {
                    h.healthy[t] = verdict;
                    let target = h.targets[t];
                    self.on_verdict(now, target, verdict, sched);
                }
            }
        }
    }
}
