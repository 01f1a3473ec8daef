//! The simulated world: clients in every region read and write datasets;
//! each dataset's placement strategy decides where requests go and how
//! writes reach its copies; the network carries every message.
//!
//! One file per component, so that a new strategy or component is a new
//! file and a scenario section, not an edit of a central match:
//! - [`net`]: the network as a service, with per-link state and traffic;
//! - [`client`]: sources of requests and the request table (timeouts,
//!   retries, availability);
//! - [`placement`]: strategies behind one seam, [`placement::Placement`]
//!   (single-primary with async, semi-sync and sync replication so far);
//! - [`station`]: FIFO service stations (a replica's apply queue, a link's
//!   transmitter);
//! - [`capacity`]: app tiers and commit paths as stations;
//! - [`faults`]: failures, which set link and service state.
//!
//! Events are one enum of per-component enums, dispatched by `match`; an
//! event carries indices into tables, never a payload, and stays 8 bytes.

use crate::engine::{Duration, Model, Scheduler, Simulation, Time};
use crate::metrics::RunMetrics;
use crate::scenario::{DatasetId, Popularity, RegionId, Scenario};
use client::{ClientEvent, KeyChooser, Op, Requests, Source};
use faults::{FaultEvent, Faults};
use health::{Health, HealthEvent, Target};
use placement::Placement;

mod capacity;
pub mod client;
pub mod faults;
pub mod health;
pub mod net;
pub mod placement;
pub mod replication;
pub mod routing;
pub mod station;
mod truth;
mod users;

pub use crate::metrics::{StationStats, Traffic};
pub use net::{LinkId, LinkState, Network};

/// How often a run reports progress: every 2^16 events (a few
/// milliseconds).
pub const CHECK_EVERY: u64 = 1 << 16;

/// Everything that happens in a run.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// Users and their requests.
    Client(ClientEvent),
    /// A dataset's placement strategy.
    Data(placement::Event),
    /// End of time bucket `bucket`: sample each replica's current lag.
    /// Scheduled at the end of the warm-up, then by each sample.
    Sample { bucket: u32 },
    /// A failure starts or ends.
    Fault(FaultEvent),
    /// Health checks.
    Health(HealthEvent),
    /// DNS resolvers.
    Dns(routing::DnsEvent),
}

// Every queued event is a 16-byte key and an `Event`: at 8 bytes an entry
// is 24 bytes, and the heap moves that much on every step of a sift. A
// variant that grows it (a payload belongs in a table, referenced by
// index) fails the build here.
const _: () = assert!(std::mem::size_of::<Event>() <= 8);

/// What a component may touch while it handles an event, besides its own
/// state.
pub struct Ctx<'a> {
    pub net: &'a mut Network,
    pub sched: &'a mut Scheduler<Event>,
    pub metrics: &'a mut RunMetrics,
    /// Start of the measured span.
    pub warmup: Time,
    /// End of the measured span.
    pub end: Time,
    /// Where tests follow individual writes; `None` in real runs.
    pub trace: &'a mut Option<Vec<Trace>>,
    /// Set when where requests go changed (a promotion): sources look
    /// their routes up again.
    pub routes_changed: &'a mut bool,
    /// Writes a strategy acknowledges earlier than it said at commit (a
    /// semi-sync write whose replicas were cut off, acknowledged once they
    /// are back): when, and the attempt.
    pub early_replies: &'a mut Vec<(Time, placement::Ticket)>,
}

/// The [`Ctx`] of world `$w` (its network, metrics, warm-up and trace)
/// with scheduler `$sched`: fields borrowed one by one, so that the
/// world's other fields (its placements) stay free.
macro_rules! ctx {
    ($w:expr, $sched:expr) => {
        Ctx {
            net: &mut $w.net,
            sched: $sched,
            metrics: &mut $w.metrics,
            warmup: $w.warmup,
            end: $w.end,
            trace: &mut $w.trace,
            routes_changed: &mut $w.routes_changed,
            early_replies: &mut $w.early_replies,
        }
    };
}

/// One step of a write's history, for tests that follow every write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trace {
    /// Write `seq` (the dataset's commit number, from 1) was applied at
    /// replica `replica` at `at`.
    Applied {
        dataset: u16,
        replica: u16,
        seq: u64,
        at: Time,
    },
    /// The primary committed write `seq` at `commit` and acknowledged it at
    /// `at` (`Time::NEVER`: never).
    Acked {
        dataset: u16,
        seq: u64,
        commit: Time,
        at: Time,
    },
}

/// The world of one run.
pub struct World {
    sources: Vec<Source>,
    requests: Requests,
    placements: Vec<Placement>,
    net: Network,
    faults: Faults,
    stations: capacity::Stations,
    health: Option<Health>,
    dns: Option<routing::Dns>,
    /// Bumped whenever where requests go may have changed; each source
    /// keeps the version its route was computed at.
    route_version: u32,
    routes_changed: bool,
    /// Number of regions.
    regions: usize,
    warmup: Time,
    end: Time,
    bucket: Duration,
    buckets: u32,
    metrics: RunMetrics,
    /// Who sends the requests, their sessions and what they have seen.
    users: users::Users,
    /// What users wrote and read: the consistency checks.
    truth: truth::Truth,
    trace: Option<Vec<Trace>>,
    /// See [`Ctx::early_replies`]; scheduled by [`World::resume`].
    early_replies: Vec<(Time, placement::Ticket)>,
    /// Whether the loop offers the next event for prefetching: for wide
    /// active-active meshes, whose applies find their stream cold (see
    /// [`Model::prefetch`]).
    lookahead: bool,
}

/// Where every committed write is, for checks that none is lost: at each
/// replica stream, every write of its dataset is applied or in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    /// Writes committed per dataset.
    pub commits: Vec<u64>,
    /// Per replication stream: (dataset index, writes applied, writes in
    /// flight or waiting to be applied).
    pub streams: Vec<(usize, u64, u64)>,
    /// Requests in the request table.
    pub requests: usize,
}

impl World {
    /// Builds run `run` of `scenario`, and its initial events.
    pub fn new(scenario: &Scenario, run: u64) -> Simulation<World> {
        let seed = scenario.seed;
        let region_name = |r: RegionId| scenario.regions[usize::from(r.0)].name.as_str();
        // Key tables first: building one needs several times its size for
        // a moment, better before the replica state than beside it.
        let key_choosers: Vec<KeyChooser> = scenario
            .datasets
            .iter()
            .map(|ds| match &ds.popularity {
                // Per-user keys are the users' numbers: the chooser is not
                // asked.
                Popularity::Uniform | Popularity::PerUser => KeyChooser::Uniform(ds.keys),
                Popularity::Zipf { table, s } => {
                    KeyChooser::Table(Popularity::zipf_table(table, ds.keys, *s))
                }
            })
            .collect();
        let net = Network::new(scenario);
        let health = Health::new(scenario, &net, run);
        let placements: Vec<Placement> = (0..scenario.datasets.len())
            .map(|d| Placement::new(scenario, DatasetId(d as u16), &net, run))
            .collect();
        let mut sources = Vec::new();
        for load in &scenario.workload {
            let d = usize::from(load.dataset.0);
            let ds = &scenario.datasets[d];
            // Where the region's users send from: home, and with roaming a
            // share from each region they roam to.
            let mut origins = vec![(load.region, 1.0, String::new())];
            if let Some(r) = load.roaming.as_ref().filter(|r| r.share > 0.0) {
                origins[0].1 = 1.0 - r.share;
                for &t in &r.to {
                    let share = r.share / r.to.len() as f64;
                    origins.push((t, share, format!("/from/{}", region_name(t))));
                }
            }
            for (op, rate) in [(Op::Read, load.reads_per_s), (Op::Write, load.writes_per_s)] {
                for (from, share, suffix) in &origins {
                    let (from, rate) = (*from, rate * share);
                    if rate <= 0.0 {
                        continue;
                    }
                    let shard = load.users.map_or(0, |p| placements[d].shard_of(p.first));
                    let (node, read) = match op {
                        Op::Read => {
                            let (node, server) = placements[d].read_node(shard, from, &net);
                            (node, Some(server))
                        }
                        Op::Write => (placements[d].write_node(shard, from, &net), None),
                    };
                    let name = format!(
                        "{}/{}/{}{suffix}",
                        region_name(load.region),
                        ds.name,
                        if op == Op::Read { "read" } else { "write" }
                    );
                    let (bytes_in, bytes_out) = match op {
                        Op::Read => (0, ds.record_bytes),
                        Op::Write => (ds.record_bytes, 0),
                    };
                    sources.push(Source {
                        client: usize::from(load.region.0) * scenario.datasets.len() + d,
                        region: from,
                        version: 0,
                        group: 0,
                        serve: from,
                        user_in: net.link(from, from),
                        user_out: net.link(from, from),
                        node,
                        dataset: load.dataset.0,
                        op,
                        read,
                        to_node: net.link(from, node),
                        from_node: net.link(node, from),
                        bytes_in,
                        bytes_out,
                        interarrival: crate::engine::Dist::exponential_nanos(1e9 / rate)
                            .expect("rates are checked positive and finite"),
                        load: 1.0,
                        epoch: 0,
                        profile: load.profile.clone(),
                        origin: Time::ZERO + scenario.warmup,
                        access: load.access_delay.clone(),
                        keys: key_choosers[d].clone(),
                        next_key: 0,
                        next_user: 0,
                        timeout: load.timeout,
                        retries: load.retries.min(u32::from(u8::MAX) - 1) as u8,
                        backoff: load.backoff,
                        jitter: load.jitter,
                        max_backoff: load.max_backoff,
                        deadline: load.deadline,
                        throttle: load.retry_throttle,
                        tokens: load.retry_throttle.map_or(0.0, |t| t.0),
                        budget: load.retry_budget.map(|(share, min, ttl)| {
                            Box::new(client::RetryBudget::new(share, min, ttl))
                        }),
                        hedge_after: load.hedge_after.filter(|_| op == Op::Read),
                        users: load.users,
                        per_user: matches!(ds.popularity, Popularity::PerUser),
                        shard: shard as u16,
                        roam_delay: load.roaming.as_ref().map_or(Duration::ZERO, |r| r.delay),
                        ryw: ds
                            .strategy()
                            .read_your_writes()
                            .filter(|_| load.users.is_some()),
                        rng_arrivals: crate::engine::stream(seed, run, &format!("arrivals/{name}")),
                        rng_keys: crate::engine::stream(seed, run, &format!("keys/{name}")),
                        rng_network: crate::engine::stream(
                            seed,
                            run,
                            &format!("request-network/{name}"),
                        ),
                        rng_routing: crate::engine::stream(seed, run, &format!("routing/{name}")),
                        rng_users: crate::engine::stream(seed, run, &format!("users/{name}")),
                        rng_errors: crate::engine::stream(seed, run, &format!("errors/{name}")),
                        rng_backoff: crate::engine::stream(seed, run, &format!("backoff/{name}")),
                    });
                }
            }
        }
        let buckets = scenario.buckets();
        let warmup = Time::ZERO + scenario.warmup;
        let lookahead = placements.iter().any(Placement::wants_lookahead);
        let world = World {
            lookahead,
            metrics: RunMetrics::for_scenario(scenario),
            sources,
            requests: Requests::default(),
            placements,
            net,
            faults: Faults::new(scenario, run),
            stations: capacity::Stations::new(scenario, run),
            health,
            dns: routing::Dns::new(scenario, run),
            route_version: 0,
            routes_changed: false,
            regions: scenario.regions.len(),
            warmup,
            end: warmup + scenario.duration,
            bucket: scenario.bucket,
            buckets: buckets as u32,
            users: users::Users::new(scenario, run),
            truth: truth::Truth::new(scenario),
            trace: None,
            early_replies: Vec::new(),
        };
        let mut sim = Simulation::new(world);
        let end = sim.model().end;
        let first_arrivals: Vec<Time> = sim
            .model_mut()
            .sources
            .iter_mut()
            .map(|s| s.first_arrival(end))
            .collect();
        for (i, t) in first_arrivals.into_iter().enumerate() {
            if t < end {
                let source = i as u16;
                sim.scheduler()
                    .schedule(t, Event::Client(ClientEvent::Arrival { source, epoch: 0 }));
            }
        }
        let (world, sched) = sim.parts();
        world.faults.schedule(warmup, sched);
        if let Some(h) = world.health.as_mut() {
            h.schedule(sched);
        }
        if let Some(d) = world.dns.as_mut() {
            d.schedule(sched);
        }
        let first_sample = warmup + scenario.bucket.min(scenario.duration);
        sim.scheduler()
            .schedule(first_sample, Event::Sample { bucket: 0 });
        sim
    }

    /// Runs `scenario`'s run `run` to completion and returns what it measured.
    pub fn run(scenario: &Scenario, run: u64) -> RunMetrics {
        World::run_checked(scenario, run, |_| true).expect("never stopped")
    }

    /// [`World::run`], telling `keep_going` how many events have run every
    /// [`CHECK_EVERY`] events; `None` if it answered false.
    pub fn run_checked(
        scenario: &Scenario,
        run: u64,
        keep_going: impl FnMut(u64) -> bool,
    ) -> Option<RunMetrics> {
        let mut sim = World::new(scenario, run);
        if !sim.run_checked(CHECK_EVERY, keep_going) {
            return None;
        }
        let events = sim.events();
        let mut metrics = sim.into_model().finish();
        metrics.record_events(events);
        Some(metrics)
    }

    /// Follows every write from now on (see [`Trace`]); for tests.
    pub fn trace_writes(&mut self) {
        self.trace = Some(Vec::new());
    }

    /// What [`World::trace_writes`] followed so far.
    pub fn trace(&self) -> &[Trace] {
        self.trace.as_deref().unwrap_or(&[])
    }

    /// Dataset `d`'s placement, for tests that look inside it.
    pub fn placement(&self, d: usize) -> &Placement {
        &self.placements[d]
    }

    /// The network, to read or change link state.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Sets the state of `link` at `now`. Messages sent from now on meet
    /// it; a link that comes up releases the replication messages that
    /// waited for it.
    pub fn set_link_state(
        &mut self,
        link: LinkId,
        state: LinkState,
        now: Time,
        sched: &mut Scheduler<Event>,
    ) {
        if self.change_link(link, state, now) {
            self.resume(now, sched);
        }
        self.topology_changed(now, sched);
    }

    /// A node or link changed at `now`: strategies that pick their own
    /// leader look again.
    pub(super) fn topology_changed(&mut self, now: Time, sched: &mut Scheduler<Event>) {
        let mut ctx = ctx!(self, sched);
        for (d, p) in self.placements.iter_mut().enumerate() {
            ctx.net.set_owner(d as u16);
            p.topology_changed(now, &mut ctx);
        }
        // Dynamic steering behind a proxy measures the change at once.
        if self.dns.as_ref().is_some_and(|d| d.follows_links()) {
            self.proxy_follows(now, sched);
        }
    }

    /// [`World::set_link_state`] without the resume: true if the link came
    /// up (so that a failure that changes several links, both ways of a
    /// partition, resumes once they all are).
    pub(super) fn change_link(&mut self, link: LinkId, state: LinkState, now: Time) -> bool {
        let was_up = self.net.state(link).up;
        self.net.set_state(link, state);
        if was_up && !state.up {
            // What was being sent over it did not leave.
            self.net.abandon_transmission(link, now);
            for p in &mut self.placements {
                p.link_down(link, now);
            }
        }
        if state.up != was_up {
            // Which copies an app tier can read from changed.
            self.route_version = self.route_version.wrapping_add(1);
        }
        state.up && !was_up
    }

    /// Sets which services of `region` answer from `now`: a database that
    /// goes down takes back what its replicas had not applied, and one that
    /// comes back lets replication go on.
    pub fn set_services(
        &mut self,
        region: RegionId,
        app_up: bool,
        db_up: bool,
        now: Time,
        sched: &mut Scheduler<Event>,
    ) {
        let was_up = self.net.db_up(region);
        let app_was_up = self.net.app_up(region);
        self.net.set_services(region, app_up, db_up);
        self.stations
            .down(region, app_was_up && !app_up, was_up && !db_up, now);
        if was_up && !db_up {
            // Nothing leaves it any more: what its transmitters were
            // sending did not.
            for to in 0..self.regions {
                let link = self.net.link(region, RegionId(to as u16));
                self.net.abandon_transmission(link, now);
            }
            for p in &mut self.placements {
                p.node_down(region, now);
            }
        } else if db_up && !was_up {
            let mut ctx = ctx!(self, sched);
            for (d, p) in self.placements.iter_mut().enumerate() {
                ctx.net.set_owner(d as u16);
                p.node_up(region, now, &mut ctx);
            }
            self.resume(now, sched);
        }
        if db_up != was_up {
            self.topology_changed(now, sched);
        }
        self.route_version = self.route_version.wrapping_add(1);
    }

    /// The health checks' verdict on `target` changed to `healthy` at
    /// `now`: failover control acts on a primary's database seen down.
    pub(super) fn on_verdict(
        &mut self,
        now: Time,
        target: Target,
        healthy: bool,
        sched: &mut Scheduler<Event>,
    ) {
        if !healthy {
            self.metrics.record_down_verdict(now);
        }
        if target.service == crate::scenario::Service::App {
            if let Some(dns) = self.dns.as_ref().filter(|_| !healthy) {
                let answering = dns.answering(target.region);
                self.metrics.watch_dns(target.region, answering, now);
            }
            self.proxy_follows(now, sched);
            return;
        }
        let mut ctx = ctx!(self, sched);
        for (d, p) in self.placements.iter_mut().enumerate() {
            ctx.net.set_owner(d as u16);
            if p.on_db_verdict(target.region, healthy, now, &mut ctx) {
                ctx.metrics.record_detection(d, now);
            }
        }
    }

    /// A planned switchover of dataset `d` starts at `now` (to the replica
    /// in `to`, if named).
    pub(super) fn switchover(
        &mut self,
        d: usize,
        to: Option<crate::scenario::RegionId>,
        now: Time,
        sched: &mut Scheduler<Event>,
    ) {
        let mut ctx = ctx!(self, sched);
        ctx.net.set_owner(d as u16);
        if let placement::Placement::SinglePrimary(p) = &mut self.placements[d] {
            p.switchover(to, now, &mut ctx);
        }
    }

    /// Replication that waited for a link or a node goes on.
    pub(super) fn resume(&mut self, now: Time, sched: &mut Scheduler<Event>) {
        let mut ctx = ctx!(self, sched);
        for (d, p) in self.placements.iter_mut().enumerate() {
            ctx.net.set_owner(d as u16);
            p.resume(now, &mut ctx);
        }
        for (at, t) in std::mem::take(&mut self.early_replies) {
            self.early_reply(at, t, sched);
        }
    }

    /// The run is over: what it measured, with the parts only the end
    /// knows (open fallbacks, requests that never completed, traffic).
    pub fn finish(mut self) -> RunMetrics {
        for p in &mut self.placements {
            p.finish(self.end, self.warmup, &mut self.metrics);
        }
        self.fail_open_requests();
        self.metrics.close_recovery();
        self.metrics.count_attempts();
        self.metrics.billable = self.net.billable().to_vec();
        self.metrics.record_end(
            self.net.traffic(),
            self.stations.app_stats(),
            self.stations.commit_stats(),
            self.net.transmit_stats(),
        );
        self.metrics
    }

    /// End of a bucket: each replica's current lag. Rare; kept out of the
    /// handler's code so that the frequent events inline well.
    #[inline(never)]
    fn sample(&mut self, now: Time, bucket: u32, sched: &mut Scheduler<Event>) {
        for p in &self.placements {
            p.sample(now, bucket as usize, &mut self.metrics);
        }
        let next = bucket + 1;
        if next < self.buckets {
            let at = (now + self.bucket).min(self.end);
            sched.schedule(at, Event::Sample { bucket: next });
        }
    }

    /// Where every committed write is now.
    pub fn audit(&self) -> Audit {
        let mut commits = Vec::new();
        let mut streams = Vec::new();
        for (d, p) in self.placements.iter().enumerate() {
            let (c, st) = p.audit();
            commits.push(c);
            streams.extend(st.into_iter().map(|(a, f)| (d, a, f)));
        }
        Audit {
            commits,
            streams,
            requests: self.requests.in_use(),
        }
    }

    /// Bucket of a request sent at `sent`, if it is inside the measured span.
    #[inline(always)]
    fn bucket_of(&self, sent: Time) -> Option<usize> {
        (self.warmup..self.end)
            .contains(&sent)
            .then(|| (sent.since(self.warmup).as_nanos() / self.bucket.as_nanos()) as usize)
    }
}

impl Model for World {
    type Event = Event;

    #[inline(always)]
    fn lookahead(&self) -> bool {
        self.lookahead
    }

    #[inline]
    fn prefetch(&self, event: &Event) {
        if let Event::Data(e) = event {
            self.placements[usize::from(Placement::dataset_of(*e))].prefetch_event(e);
        }
    }

    #[inline]
    fn handle(&mut self, now: Time, event: Event, sched: &mut Scheduler<Event>) {
        match event {
            Event::Client(e) => match e {
                ClientEvent::Arrival { source, epoch } => {
                    self.on_arrival(now, source, epoch, sched)
                }
                ClientEvent::AtApp { req, attempt } => self.on_at_app(now, req, attempt, sched),
                ClientEvent::AtNode { req, attempt } => {
                    self.on_at_node(now, req, attempt, false, sched)
                }
                ClientEvent::Commit { req, attempt } => {
                    self.on_at_node(now, req, attempt, true, sched)
                }
                ClientEvent::Reply { req, attempt } => self.on_reply(now, req, attempt, sched),
                ClientEvent::Deadline { req } => self.on_deadline(now, req, sched),
                ClientEvent::Retry { req } => self.on_retry(now, req, sched),
                ClientEvent::Hedge { req, attempt } => self.on_hedge(now, req, attempt, sched),
            },
            Event::Data(e) => {
                let d = Placement::dataset_of(e);
                let mut ctx = ctx!(self, sched);
                ctx.net.set_owner(d);
                self.placements[usize::from(d)].on_event(now, e, &mut ctx);
                if self.routes_changed {
                    self.routes_changed = false;
                    self.route_version = self.route_version.wrapping_add(1);
                }
            }
            Event::Health(e) => self.on_health(now, e, sched),
            Event::Dns(e) => self.on_dns(now, e, sched),
            Event::Sample { bucket } => self.sample(now, bucket, sched),
            Event::Fault(e) => self.on_fault(now, e, sched),
        }
    }
}
