//! DNS routing: which region's app tier each region's users reach.
//!
//! The policy answers a client region with one endpoint region, from the
//! health checks' verdicts on the endpoints' app tiers (every endpoint
//! counts as healthy without health checks; when none is healthy DNS
//! answers as if all were, as Route 53 does). The users of each client
//! region sit behind `resolver_groups` resolver caches, each refreshing its
//! answer every `ttl` from its own phase, so a change reaches the users
//! gradually. The clients of an overstaying group (the first `share` of the
//! groups) keep each answer `by` past its expiry: they switch that much
//! after their resolver did.
//!
//! Each request picks a group at random (its own stream); the group's
//! current answer is where it goes. Every switch bumps the world's route
//! version, so sources look their routes up again.

use super::{Event, World};
use crate::engine::{stream, Scheduler, SimRng, Time};
use crate::scenario::{RegionId, Routing, RoutingPolicy, Scenario, Service};
use rand::RngExt;
use std::collections::VecDeque;

/// The events of DNS: a resolver group refreshes its answer, or its
/// overstaying clients switch to the answer it fetched `by` ago. Packed in
/// 32 bits (the kind in the top one) so that [`Event`] stays 8 bytes.
#[derive(Clone, Copy, Debug)]
pub struct DnsEvent(u32);

const SWITCH: u32 = 1 << 31;
/// A pooled connection reopens (and resolves again).
const CONN: u32 = 1 << 30;
/// With `CONN`: it was drained (its lifetime's own reopen stays due).
const DRAINED: u32 = 1 << 29;

impl DnsEvent {
    fn refresh(group: usize) -> Event {
        Event::Dns(DnsEvent(group as u32))
    }

    fn switch(group: usize) -> Event {
        Event::Dns(DnsEvent(group as u32 | SWITCH))
    }

    fn reopen(connection: usize) -> Event {
        Event::Dns(DnsEvent(connection as u32 | CONN))
    }

    fn drained(connection: usize) -> Event {
        Event::Dns(DnsEvent(connection as u32 | CONN | DRAINED))
    }
}

/// Every resolver group's answer.
pub struct Dns {
    config: Routing,
    /// Mean one-way delay from each region to each endpoint, ns
    /// (`regions x endpoints`).
    mean: Vec<f64>,
    regions: usize,
    /// Per group (`client region x groups + group`): the answer its users
    /// go to now.
    answer: Vec<RegionId>,
    /// Per group: answers fetched, not yet in use by its overstaying users.
    pending: Vec<VecDeque<RegionId>>,
    /// Per client region: draws of weighted answers and of phases.
    rng: Vec<SimRng>,
    /// Per region: users send from it (only their resolver groups are
    /// followed: convergence is the share of groups that serve someone).
    users: Vec<bool>,
    /// Pooled connections: per (client region, connection) the endpoint
    /// it holds (empty without them); requests pick a connection, and
    /// convergence is the share of connections moved.
    conn: Vec<RegionId>,
    per_region: usize,
}

impl Dns {
    /// The routing of `scenario`, every group answered as if every
    /// endpoint were healthy; `None` without routing.
    pub fn new(scenario: &Scenario, run: u64) -> Option<Dns> {
        let config = scenario.routing.clone()?;
        let regions = scenario.regions.len();
        let mut mean = Vec::with_capacity(regions * config.endpoints.len());
        for c in 0..regions {
            for &e in &config.endpoints {
                mean.push(scenario.network.delay(RegionId(c as u16), e).mean_nanos());
            }
        }
        let rng = scenario
            .regions
            .iter()
            .map(|r| stream(scenario.seed, run, &format!("dns/{}", r.name)))
            .collect();
        let groups = config.groups as usize;
        let mut users = vec![false; regions];
        for w in &scenario.workload {
            users[usize::from(w.region.0)] = true;
            for &t in w.roaming.iter().flat_map(|r| &r.to) {
                users[usize::from(t.0)] = true;
            }
        }
        let per_region = config.connections.map_or(0, |c| c.per_region as usize);
        let mut dns = Dns {
            conn: vec![RegionId(0); regions * per_region],
            per_region,
            users,
            answer: vec![RegionId(0); regions * groups],
            pending: vec![VecDeque::new(); regions * groups],
            config,
            mean,
            regions,
            rng,
        };
        for g in 0..regions * groups {
            dns.answer[g] = dns.resolve(g / groups, &|_| true, None, &|_| 1.0);
        }
        for c in 0..regions * per_region {
            dns.conn[c] = dns.answer[(c / per_region) * groups + (c % per_region) % groups];
        }
        Some(dns)
    }

    /// Resolver groups per client region.
    pub fn groups(&self) -> usize {
        self.config.groups as usize
    }

    /// What a request picks among, per client region: its pooled
    /// connections, else its resolver groups.
    pub fn slots(&self) -> usize {
        if self.per_region > 0 {
            self.per_region
        } else {
            self.groups()
        }
    }

    /// Resolver groups of regions with users whose users go to
    /// `endpoint` now.
    pub fn answering(&self, endpoint: RegionId) -> usize {
        let (list, per) = if self.per_region > 0 {
            (&self.conn, self.per_region)
        } else {
            (&self.answer, self.groups())
        };
        list.iter()
            .enumerate()
            .filter(|&(g, &a)| a == endpoint && self.users[g / per])
            .count()
    }

    /// Where the users of `client` behind slot `slot` (a pooled
    /// connection, else a resolver group) go now.
    #[inline]
    pub fn answer(&self, client: RegionId, slot: usize) -> RegionId {
        if self.per_region > 0 {
            self.conn[usize::from(client.0) * self.per_region + slot]
        } else {
            self.answer[usize::from(client.0) * self.groups() + slot]
        }
    }

    /// Queues every group's first refresh, at a phase drawn from its
    /// region's stream.
    pub fn schedule(&mut self, sched: &mut Scheduler<Event>) {
        let groups = self.groups();
        let ttl = self.config.ttl.as_nanos();
        for g in 0..self.regions * groups {
            if !self.users[g / groups] {
                // Nobody asks it.
                continue;
            }
            let phase = self.rng[g / groups].random_range(0..ttl);
            sched.schedule(Time::from_nanos(phase), DnsEvent::refresh(g));
        }
        // Pooled connections reopen a lifetime apart, each from an age
        // drawn uniformly (after the groups' phases: without connections
        // the draws are as before).
        if let Some(c) = self.config.connections {
            let life = c.lifetime.as_nanos();
            for c in 0..self.regions * self.per_region {
                if !self.users[c / self.per_region] {
                    continue;
                }
                let phase = self.rng[c / self.per_region].random_range(0..life);
                sched.schedule(Time::from_nanos(phase), DnsEvent::reopen(c));
            }
        }
    }

    /// Whether group `g` (global index) overstays.
    fn overstays(&self, g: usize) -> bool {
        let groups = self.groups();
        (g % groups) < (self.config.overstay_share * groups as f64).round() as usize
    }

    /// Whether answers follow the links' current delays (dynamic
    /// steering): a link's change is a reason to answer again.
    pub fn follows_links(&self) -> bool {
        self.config.policy == RoutingPolicy::Dynamic
    }

    /// The policy's answer for client region `client` given which endpoints
    /// are healthy and the network as it is (`None`: as the scenario
    /// describes it).
    fn resolve(
        &mut self,
        client: usize,
        healthy: &dyn Fn(RegionId) -> bool,
        net: Option<&super::net::Network>,
        scale: &dyn Fn(RegionId) -> f64,
    ) -> RegionId {
        let endpoints = &self.config.endpoints;
        let any = endpoints.iter().any(|&e| healthy(e));
        // Fail open: with every endpoint down, answer as if all were up.
        let ok = |e: RegionId| !any || healthy(e);
        let nearest = |mean: &[f64]| {
            endpoints
                .iter()
                .enumerate()
                .filter(|(_, &e)| ok(e))
                .min_by(|a, b| {
                    mean[client * endpoints.len() + a.0]
                        .total_cmp(&mean[client * endpoints.len() + b.0])
                })
                .map(|(_, &e)| e)
                .expect("at least one endpoint")
        };
        match &self.config.policy {
            RoutingPolicy::Latency => nearest(&self.mean),
            RoutingPolicy::Dynamic => {
                // The round trip measured now: each way's mean delay as
                // the link's state has it (a link down: never).
                let now_mean = |e: RegionId| -> f64 {
                    let c = RegionId(client as u16);
                    let j = endpoints.iter().position(|&x| x == e).unwrap_or(0);
                    let base = self.mean[client * endpoints.len() + j];
                    let Some(net) = net else {
                        return 2.0 * base;
                    };
                    [net.link(c, e), net.link(e, c)]
                        .iter()
                        .map(|&l| {
                            let s = net.state(l);
                            if s.up {
                                base * s.delay_factor + s.added_delay.as_nanos() as f64
                            } else {
                                f64::INFINITY
                            }
                        })
                        .sum()
                };
                endpoints
                    .iter()
                    .copied()
                    .filter(|&e| ok(e))
                    .min_by(|&a, &b| now_mean(a).total_cmp(&now_mean(b)))
                    .expect("at least one endpoint")
            }
            RoutingPolicy::Geo(map) => match map[client] {
                Some(e) if ok(e) => e,
                _ => nearest(&self.mean),
            },
            RoutingPolicy::Failover { primary, secondary } => {
                if ok(*primary) || !ok(*secondary) {
                    *primary
                } else {
                    *secondary
                }
            }
            RoutingPolicy::Weighted(weights) => {
                let live: Vec<(RegionId, f64)> = endpoints
                    .iter()
                    .zip(weights)
                    .map(|(&e, &w)| (e, w * scale(e)))
                    .filter(|&(e, w)| ok(e) && w > 0.0)
                    .collect();
                // Healthy endpoints all of weight 0: any weighted one.
                let live = if live.is_empty() {
                    endpoints
                        .iter()
                        .zip(weights)
                        .filter(|(_, &w)| w > 0.0)
                        .map(|(&e, &w)| (e, w))
                        .collect()
                } else {
                    live
                };
                let total: f64 = live.iter().map(|(_, w)| w).sum();
                let mut x = self.rng[client].random::<f64>() * total;
                for &(e, w) in &live {
                    if x < w {
                        return e;
                    }
                    x -= w;
                }
                live.last().expect("a weight above 0").0
            }
        }
    }
}

impl World {
    /// Behind a proxying load balancer, every group follows the health
    /// checks' verdicts at once (no cache to wait out): each takes its
    /// answer again at `now`.
    pub(super) fn proxy_follows(&mut self, now: Time, sched: &mut Scheduler<Event>) {
        let Some(dns) = self.dns.as_ref().filter(|d| d.config.proxied) else {
            return;
        };
        let groups = dns.regions * dns.groups();
        for g in 0..groups {
            if self.dns.as_ref().is_some_and(|d| d.users[g / d.groups()]) {
                self.on_dns(now, DnsEvent(g as u32), sched);
            }
        }
    }

    /// A DNS event at `now`.
    #[inline(never)]
    pub(super) fn on_dns(&mut self, now: Time, e: DnsEvent, sched: &mut Scheduler<Event>) {
        let Some(dns) = self.dns.as_mut() else {
            return;
        };
        if e.0 & CONN != 0 {
            // A pooled connection reopens: it takes its resolver group's
            // answer now, and keeps it a lifetime (a drained one keeps
            // the reopen its lifetime already had due).
            let c = (e.0 & !(CONN | DRAINED)) as usize;
            let per = dns.per_region;
            let group = (c / per) * dns.groups() + (c % per) % dns.groups();
            let Some(conns) = dns.config.connections else {
                return;
            };
            if e.0 & DRAINED == 0 && now + conns.lifetime < self.end {
                sched.schedule(now + conns.lifetime, DnsEvent::reopen(c));
            }
            let new = dns.answer[group];
            if dns.conn[c] != new {
                let old = std::mem::replace(&mut dns.conn[c], new);
                self.route_version = self.route_version.wrapping_add(1);
                self.metrics.record_dns_switch(old, now);
            }
            // Opening it costs its app tier a handshake.
            if conns.handshake > crate::engine::Duration::ZERO && self.net.app_up(new) {
                if let Some(q) = self.stations.app(new) {
                    q.admit_work(now, conns.handshake);
                }
            }
            return;
        }
        let g = (e.0 & !SWITCH) as usize;
        let groups = dns.groups();
        let new = if e.0 & SWITCH != 0 {
            dns.pending[g]
                .pop_front()
                .expect("a switch follows a fetch")
        } else {
            let next = now + dns.config.ttl;
            if next < self.end && !dns.config.proxied {
                sched.schedule(next, DnsEvent::refresh(g));
            }
            let health = &self.health;
            let healthy = |r: RegionId| {
                health
                    .as_ref()
                    .is_none_or(|h| h.is_healthy(r, Service::App))
            };
            // Weighing by health: the share of checkers seeing it up.
            let weigh = dns.config.weigh_by_health;
            let scale = |r: RegionId| match health.as_ref() {
                Some(h) if weigh => h.share_seen_healthy(r, Service::App),
                _ => 1.0,
            };
            let fetched = dns.resolve(g / groups, &healthy, Some(&self.net), &scale);
            if dns.overstays(g) {
                dns.pending[g].push_back(fetched);
                sched.schedule(now + dns.config.overstay, DnsEvent::switch(g));
                return;
            }
            fetched
        };
        if dns.answer[g] != new {
            let old = std::mem::replace(&mut dns.answer[g], new);
            // With pooled connections, requests follow the connections
            // (which take this answer when they reopen), not the resolver.
            if dns.per_region == 0 {
                self.route_version = self.route_version.wrapping_add(1);
                self.metrics.record_dns_switch(old, now);
            }
            // Draining: the group's connections still on the old answer
            // close, and reopen within the drain time.
            if let Some(drain) = dns.config.connections.and_then(|c| c.drain) {
                let (per, client) = (dns.per_region, g / groups);
                for k in (g % groups..per).step_by(groups) {
                    let c = client * per + k;
                    if dns.conn[c] != old {
                        continue;
                    }
                    let wait = dns.rng[client].random_range(0..=drain.as_nanos());
                    let at = now + crate::engine::Duration::from_nanos(wait);
                    if at < self.end {
                        sched.schedule(at, DnsEvent::drained(c));
                    }
                }
            }
        }
    }
}
