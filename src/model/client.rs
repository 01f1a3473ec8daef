//! Users and their requests.
//!
//! Each (client region, dataset, operation) with a rate is a [`Source`]: a
//! Poisson stream of requests. A request is an entry of the request table
//! (a slab: an id, its source, key, send time, attempt and deadline) from
//! its first send until its fate is known and no event refers to it.
//!
//! # One attempt
//! A request crosses four one-way legs: user to the region's app tier
//! (`access_delay`), app to the node that serves it (a message over the
//! [network](super::net)), and the same two back. Each leg is decided when
//! it starts, with the state of the network at that moment: the way in when
//! the attempt is sent, the way back when the node responds (at once for a
//! read or an async write; when the primary acknowledges, for semi-sync and
//! sync). The node meets shared state (staleness, the replication streams)
//! in its own event. Both return legs are decided together when the
//! response leaves the node, so its arrival at the user, and with it the
//! request's fate, is known then and recorded then.
//!
//! # Timeouts and retries
//! With a `timeout`, each attempt arms a cancellable timer. A response that
//! reaches the user by the deadline succeeds and cancels it; otherwise the
//! timer fires, and the request is tried again after `backoff` (doubled
//! before each next retry) until `retries` are used up, then it fails. An
//! attempt given up on still reaches its node (a write still commits): only
//! its response is ignored. Without a timeout a request whose message is
//! lost fails at once (the user would wait for ever). Latency is measured
//! from the first send to the response that succeeded, retries included.

use super::net::LinkId;
use super::net::Network;
use super::placement::ReadServer;
use super::users::Users;
use super::{Ctx, Event, World};
use crate::engine::{AliasTable, Dist, Duration, Scheduler, SimRng, Time, Timer};
use crate::metrics::RunMetrics;
use crate::scenario::{RegionId, Shed};
use rand::{Rng, RngExt};
use std::sync::Arc;

/// The events of users and requests.
#[derive(Clone, Copy, Debug)]
pub enum ClientEvent {
    /// Source `source` sends its next request. Scheduled at its first
    /// inter-arrival time, then by each arrival for the next, until the end
    /// of the measured span.
    /// Carries the source's arrival epoch when scheduled: a load burst
    /// that changes the rate redraws the next arrival and bumps the
    /// epoch, and the arrival drawn before it is dropped.
    Arrival { source: u16, epoch: u16 },
    /// Attempt `attempt` of request `req` reaches an app tier with finite
    /// capacity, to queue for a worker.
    AtApp { req: u32, attempt: u8 },
    /// Attempt `attempt` of request `req` reaches the node that serves it.
    AtNode { req: u32, attempt: u8 },
    /// Write `req` (attempt `attempt`) leaves its primary's commit queue
    /// and commits.
    Commit { req: u32, attempt: u8 },
    /// The primary acknowledges attempt `attempt` of write `req` (after
    /// waiting for replicas).
    Reply { req: u32, attempt: u8 },
    /// The current attempt of `req` timed out.
    Deadline { req: u32 },
    /// Request `req` is sent again.
    Retry { req: u32 },
}

fn event(e: ClientEvent) -> Event {
    Event::Client(e)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Op {
    Read,
    Write,
}

#[derive(Clone)]
pub(super) enum KeyChooser {
    Uniform(u32),
    Table(Arc<AliasTable>),
}

impl KeyChooser {
    /// The key picked by the 64-bit random number `draw`.
    #[inline(always)]
    fn key_of(&self, draw: u64) -> u32 {
        match self {
            // High part of draw * n: uniform on 0..n up to 2^-64 bias.
            KeyChooser::Uniform(n) => ((u128::from(draw) * u128::from(*n)) >> 64) as u32,
            KeyChooser::Table(t) => t.index_of(draw),
        }
    }

    #[inline(always)]
    fn prefetch(&self, draw: u64) {
        if let KeyChooser::Table(t) = self {
            t.prefetch(draw);
        }
    }
}

/// A Poisson stream of one operation from one client region to one dataset.
pub(super) struct Source {
    /// Index into the run's client metrics: (region, dataset).
    pub client: usize,
    /// Where the users are: their region's app tier takes the request.
    pub region: RegionId,
    /// The world's route version the route below was found at.
    pub version: u32,
    /// The resolver group the route below is for (0 without DNS routing).
    pub group: u16,
    /// The region whose app tier takes the requests: DNS's answer, or the
    /// users' own region without DNS routing.
    pub serve: RegionId,
    /// User to that app tier and back, when it is in another region.
    pub user_in: LinkId,
    pub user_out: LinkId,
    /// The region of the node that serves it.
    pub node: RegionId,
    pub dataset: u16,
    pub op: Op,
    /// Who serves its reads (`None` for writes).
    pub read: Option<ReadServer>,
    /// App tier to the serving node, and back.
    pub to_node: LinkId,
    pub from_node: LinkId,
    /// Payload bytes on the way in and out.
    pub bytes_in: u32,
    pub bytes_out: u32,
    pub interarrival: Dist,
    /// Load factor now (1 outside load bursts): inter-arrival times are
    /// divided by it.
    pub load: f64,
    /// Bumped when `load` changes (see [`ClientEvent::Arrival`]).
    pub epoch: u16,
    /// How the rate varies over the run, from `origin` (the start of the
    /// measured span); `None`: constant.
    pub profile: Option<crate::scenario::Profile>,
    pub origin: Time,
    pub access: Dist,
    pub keys: KeyChooser,
    /// The random number that picks the next request's key, drawn one
    /// arrival early so that its memory can be prefetched.
    pub next_key: u64,
    pub timeout: Option<Duration>,
    pub retries: u8,
    pub backoff: Duration,
    /// Who sends the requests (`None`: users are not modelled).
    pub users: Option<crate::scenario::UserPool>,
    /// Each request reads the key of its user.
    pub per_user: bool,
    /// The shard its users' records are in (geo-sharded datasets; 0
    /// otherwise).
    pub shard: u16,
    /// Least time between a user's requests from two regions.
    pub roam_delay: Duration,
    /// How the dataset keeps users' reads from missing their own writes.
    pub ryw: Option<crate::scenario::RywMitigation>,
    pub rng_arrivals: SimRng,
    pub rng_keys: SimRng,
    pub rng_network: SimRng,
    /// Which resolver group each request asks (DNS routing only).
    pub rng_routing: SimRng,
    /// Which user sends each request (users only).
    pub rng_users: SimRng,
}

impl Source {
    /// Finds where its requests go now: the node that serves them and the
    /// links there and back. Rare (after a failover or a failure changes
    /// them): kept out of the handlers' code.
    #[cold]
    #[inline(never)]
    pub fn route(
        &mut self,
        placement: &super::placement::Placement,
        net: &Network,
        dns: Option<&super::routing::Dns>,
        group: u16,
        version: u32,
    ) {
        let serve = dns.map_or(self.region, |d| d.answer(self.region, usize::from(group)));
        let node = match self.op {
            Op::Read => {
                let (node, server) = placement.read_node(usize::from(self.shard), serve, net);
                self.read = Some(server);
                node
            }
            Op::Write => placement.write_node(usize::from(self.shard), serve, net),
        };
        self.serve = serve;
        self.user_in = net.link(self.region, serve);
        self.user_out = net.link(serve, self.region);
        self.node = node;
        self.to_node = net.link(serve, node);
        self.from_node = net.link(node, serve);
        self.group = group;
        self.version = version;
    }

    /// Picks the resolver group of the next request (none without DNS
    /// routing: no draw, so the other streams are unchanged) and makes the
    /// route current.
    #[inline(always)]
    fn route_for_next(
        &mut self,
        placement: &super::placement::Placement,
        net: &Network,
        dns: Option<&super::routing::Dns>,
        version: u32,
    ) {
        let group = match dns {
            Some(d) if d.groups() > 1 => self.rng_routing.random_range(0..d.groups()) as u16,
            _ => 0,
        };
        if self.version != version || self.group != group {
            self.route(placement, net, dns, group, version);
        }
    }

    /// The time to the next arrival at the current load times `factor`.
    #[inline(always)]
    fn next_gap(&mut self, factor: f64) -> Duration {
        let gap = self.interarrival.sample(&mut self.rng_arrivals);
        let rate = self.load * factor;
        if rate == 1.0 {
            gap
        } else {
            Duration::from_nanos((gap.as_nanos() as f64 / rate).round() as u64)
        }
    }

    /// The next arrival after `now` (at or past `end`: none in the run).
    #[inline(always)]
    fn next_arrival(&mut self, now: Time, end: Time) -> Time {
        if self.profile.is_none() {
            now + self.next_gap(1.0)
        } else {
            self.thinned(now, end)
        }
    }

    /// [`Source::next_arrival`] under a profile: candidates at the
    /// profile's peak rate, each kept with probability factor / peak (a
    /// non-homogeneous Poisson process by thinning, Lewis and Shedler).
    #[cold]
    #[inline(never)]
    fn thinned(&mut self, now: Time, end: Time) -> Time {
        let profile = self.profile.take().expect("a profile");
        let peak = profile.max();
        let origin_s = self.origin.as_nanos() as f64 / 1e9;
        let mut t = now;
        loop {
            t += self.next_gap(peak);
            if t >= end {
                break;
            }
            let keep: f64 = self.rng_arrivals.random();
            let s = t.as_nanos() as f64 / 1e9 - origin_s;
            if keep * peak < profile.factor(s) {
                break;
            }
        }
        self.profile = Some(profile);
        t
    }

    /// Draws the first arrival time (before `end`, or none) and key.
    pub fn first_arrival(&mut self, end: Time) -> Time {
        let at = self.next_arrival(Time::ZERO, end);
        self.next_key = self.rng_keys.next_u64();
        at
    }
}

/// One request, from its first send until nothing refers to it.
struct Request {
    source: u16,
    /// The user who sent it ([`NO_USER`]: users are not modelled).
    user: u32,
    /// The attempt under way, from 1.
    attempt: u8,
    /// Events in the queue that carry this request.
    pending: u8,
    /// Its fate is known (succeeded or failed).
    done: bool,
    key: u32,
    /// Time bucket of the first send (`NOT_MEASURED`: outside the span).
    bucket: u32,
    /// The region whose app tier took the current attempt.
    serve: RegionId,
    /// The region of the node the current attempt went to.
    node: RegionId,
    /// For a read, the copy it was sent to.
    server: ReadServer,
    first_sent: Time,
    /// Deadline of the current attempt (`Time::NEVER` without a timeout).
    deadline: Time,
    timer: Option<Timer>,
}

/// The user of a request when users are not modelled.
const NO_USER: u32 = u32::MAX;

/// The bucket of a request sent outside the measured span.
const NOT_MEASURED: u32 = u32::MAX;

/// The request table: a slab of requests. Free slots form a list threaded
/// through their `key` fields, so opening and freeing a request touch no
/// other memory.
pub(super) struct Requests {
    slots: Vec<Request>,
    /// First free slot, [`NO_SLOT`] when none is.
    free: u32,
    /// Slots on the free list.
    free_count: usize,
}

/// The end of the free list.
const NO_SLOT: u32 = u32::MAX;

impl Default for Requests {
    fn default() -> Self {
        Requests {
            slots: Vec::new(),
            free: NO_SLOT,
            free_count: 0,
        }
    }
}

impl Requests {
    /// Puts `r` in a free slot: its id, and the slot. Once per request:
    /// kept in line in the arrival handler.
    #[inline(always)]
    fn open(&mut self, r: Request) -> (u32, &mut Request) {
        if self.free == NO_SLOT {
            return self.grow(r);
        }
        let id = self.free;
        let slot = &mut self.slots[id as usize];
        self.free = slot.key;
        self.free_count -= 1;
        *slot = r;
        (id, slot)
    }

    /// [`Requests::open`] with no free slot: the table grows (only until
    /// it holds the most requests open at once).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, r: Request) -> (u32, &mut Request) {
        let id = self.slots.len() as u32;
        self.slots.push(r);
        let slot = self.slots.last_mut().expect("just pushed");
        (id, slot)
    }

    /// Frees `id` if nothing refers to it any more.
    #[inline]
    fn release_if_done(&mut self, id: u32) {
        let r = &self.slots[id as usize];
        if r.done && r.pending == 0 {
            self.free_slot(id);
        }
    }

    /// Puts `id`, done and referred to by no event, on the free list.
    #[inline]
    fn free_slot(&mut self, id: u32) {
        let r = &mut self.slots[id as usize];
        // Marked so that it is freed once: its key now links the list.
        r.pending = u8::MAX;
        r.key = self.free;
        self.free = id;
        self.free_count += 1;
    }

    /// Requests whose fate is still open.
    pub fn open_ids(&self) -> Vec<u32> {
        (0..self.slots.len() as u32)
            .filter(|&id| !self.slots[id as usize].done)
            .collect()
    }

    /// Requests in the table (open or waiting for their last events).
    pub fn in_use(&self) -> usize {
        self.slots.len() - self.free_count
    }
}

/// The copy in `node` that serves reads now (rare: roles changed under a
/// request in flight).
#[cold]
#[inline(never)]
fn server_now(
    placement: &super::placement::Placement,
    key: u32,
    node: RegionId,
) -> Option<ReadServer> {
    placement.server_in(key, node)
}

/// `r` of source `s` is given up.
#[cold]
#[inline(never)]
fn fail(r: &mut Request, s: &Source, metrics: &mut RunMetrics) {
    r.done = true;
    if r.bucket != NOT_MEASURED {
        let write = s.op == Op::Write;
        metrics.record_failure(s.client, r.bucket as usize, write);
        if r.first_sent >= metrics.incident_start {
            metrics.record_recovery(s.client, write, r.first_sent, None);
        }
    }
}

/// A request of `s` sent after the first failure succeeded at `at`.
#[cold]
#[inline(never)]
fn recovered(r: &Request, s: &Source, at: Time, metrics: &mut RunMetrics) {
    metrics.record_recovery(s.client, s.op == Op::Write, r.first_sent, Some(at));
}

/// Sends the current attempt of request `req` (`r`, of source `s`) at `now`;
/// `app_queue`: the app tier it goes to has finite capacity; `to_node`: the
/// link from the app tier to `r.node` (the source's, unless a
/// read-your-writes mitigation sends the read elsewhere).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn send(
    req: u32,
    r: &mut Request,
    s: &mut Source,
    net: &mut Network,
    metrics: &mut RunMetrics,
    now: Time,
    sched: &mut Scheduler<Event>,
    app_queue: bool,
    to_node: LinkId,
) {
    let mut leaves = Some(now + s.access.sample(&mut s.rng_network));
    if s.serve != s.region {
        // DNS sent the user to another region's app tier.
        leaves = leaves.and_then(|t| net.transit(s.user_in, t, s.bytes_in, &mut s.rng_network));
    }
    let attempt = r.attempt;
    let arrives = if app_queue {
        // It queues for a worker there first (`World::on_at_app`).
        if let Some(at) = leaves {
            r.pending += 1;
            sched.schedule(at, event(ClientEvent::AtApp { req, attempt }));
        }
        leaves
    } else {
        let arrives = leaves.and_then(|t| net.transit(to_node, t, s.bytes_in, &mut s.rng_network));
        // The app tier that takes it is down: nobody forwards it.
        let arrives = arrives.filter(|_| net.app_up(s.serve));
        if let Some(at) = arrives {
            r.pending += 1;
            sched.schedule(at, event(ClientEvent::AtNode { req, attempt }));
        }
        arrives
    };
    match s.timeout {
        Some(t) => {
            r.deadline = now + t;
            r.timer = Some(sched.schedule_timer(r.deadline, event(ClientEvent::Deadline { req })));
        }
        None if arrives.is_none() => fail(r, s, metrics),
        None => {}
    }
}

/// The node responds to the current attempt of `r` (of source `s`) at
/// `now`; a read missed writes committed `stale` before it, if that is
/// `Some`.
/// `anomalies`: what the per-user checks found in a read ([`super::users::RYW`],
/// [`super::users::MONOTONIC`]). Returns when the response reached the user, if it
/// did in time.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn respond(
    r: &mut Request,
    s: &mut Source,
    net: &mut Network,
    metrics: &mut RunMetrics,
    now: Time,
    stale: Option<Duration>,
    anomalies: u8,
    sched: &mut Scheduler<Event>,
) -> Option<Time> {
    let (from_node, user_out) = if r.node == s.node && r.serve == s.serve {
        (s.from_node, s.user_out)
    } else {
        (net.link(r.node, r.serve), net.link(r.serve, s.region))
    };
    let mut back = net.transit(from_node, now, s.bytes_out, &mut s.rng_network);
    if r.serve != s.region {
        back = back.and_then(|t| net.transit(user_out, t, s.bytes_out, &mut s.rng_network));
    }
    let back = back
        .map(|t| t + s.access.sample(&mut s.rng_network))
        .filter(|_| net.app_up(r.serve));
    match back {
        Some(at) if at <= r.deadline => {
            r.done = true;
            if let Some(timer) = r.timer.take() {
                sched.cancel(timer);
            }
            if r.bucket != NOT_MEASURED {
                let b = r.bucket as usize;
                let latency = at.since(r.first_sent);
                match s.op {
                    Op::Read => {
                        metrics.record_read(s.client, b, latency, stale);
                        if anomalies != 0 {
                            metrics.record_anomalies(s.client, b, anomalies);
                        }
                    }
                    Op::Write => metrics.record_write(s.client, b, latency),
                }
                if r.first_sent >= metrics.incident_start {
                    recovered(r, s, at, metrics);
                }
            }
            return Some(at);
        }
        // Too late or lost: the deadline timer decides, or, without one,
        // the user waits for ever.
        _ if s.timeout.is_some() => {}
        _ => fail(r, s, metrics),
    }
    None
}

/// Where a user's read is: request, attempt, time, the serving copy and
/// its oldest unapplied commit of the key.
#[derive(Clone, Copy)]
struct Here {
    req: u32,
    attempt: u8,
    now: Time,
    oldest: Time,
    server: ReadServer,
}

/// The read `r` of a user reaches copy `at.server`: with a session token,
/// a replica that has not applied the user's last write holds the read
/// until it has (`TokenWait`, within its bound) or sends it to the primary
/// (`None`: answered later). Otherwise counts a cross-border read of
/// restricted data and returns what the per-user checks found.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn user_read(
    at: Here,
    r: &mut Request,
    s: &mut Source,
    placement: &super::placement::Placement,
    users: &mut Users,
    net: &mut Network,
    metrics: &mut RunMetrics,
    sched: &mut Scheduler<Event>,
) -> Option<u8> {
    use crate::scenario::RywMitigation as M;
    let token = matches!(s.ryw, Some(M::TokenWait(_) | M::TokenPrimary));
    if token && matches!(at.server, ReadServer::Replica(_)) {
        if let Some((node, commit)) = users.unseen_write(s.dataset, r.user, r.key, r.first_sent) {
            if placement.missed(at.server, r.key, node, commit) {
                let measured = r.bucket != NOT_MEASURED;
                let applied = placement.applied_at(at.server, r.key, commit, at.now);
                if let (Some(M::TokenWait(max)), Some(t)) = (s.ryw, applied) {
                    if t <= at.now + max {
                        // Just after the apply (whose event may come after
                        // this one's at the same time).
                        let t = t + Duration::from_nanos(1);
                        mitigated(r, at, t, HELD, measured, s.client, metrics, sched);
                        return None;
                    }
                }
                // On to the primary, from the replica.
                let primary = placement.write_node(usize::from(s.shard), r.serve, net);
                let link = net.link(r.node, primary);
                if let Some(t) = net.transit(link, at.now, s.bytes_in, &mut s.rng_network) {
                    r.node = primary;
                    r.server = ReadServer::Primary;
                    mitigated(r, at, t, TO_PRIMARY, measured, s.client, metrics, sched);
                    return None;
                }
            }
        }
    }
    if let Some(res) = placement.residency() {
        if r.bucket != NOT_MEASURED && !res.allows(r.key, r.serve) {
            metrics.record_cross_border_read(usize::from(s.dataset));
        }
    }
    Some(users.read(
        s.dataset,
        r.user,
        r.key,
        r.first_sent,
        at.now,
        at.oldest,
        placement,
        at.server,
    ))
}

/// Kinds of [`ClientMetrics::ryw_mitigated`](crate::metrics::ClientMetrics).
const TO_PRIMARY: usize = 0;
const HELD: usize = 1;

/// A mitigation sent read `r` on (`TO_PRIMARY`) or held it (`HELD`): it
/// reaches its node again at `t`.
#[allow(clippy::too_many_arguments)]
fn mitigated(
    r: &mut Request,
    at: Here,
    t: Time,
    kind: usize,
    measured: bool,
    client: usize,
    metrics: &mut RunMetrics,
    sched: &mut Scheduler<Event>,
) {
    r.pending += 1;
    let (req, attempt) = (at.req, at.attempt);
    sched.schedule(t, event(ClientEvent::AtNode { req, attempt }));
    if measured {
        metrics.record_ryw_mitigated(client, kind);
    }
}

/// `read-your-writes: {primary_for: X}`: the read `r` of a user who had a
/// write of the dataset acknowledged less than X ago goes to the primary.
/// Returns the link from the app tier to where it goes.
#[inline(never)]
fn primary_after_write(
    r: &mut Request,
    s: &Source,
    now: Time,
    placement: &super::placement::Placement,
    users: &Users,
    net: &Network,
    metrics: &mut RunMetrics,
) -> LinkId {
    let Some(crate::scenario::RywMitigation::PrimaryFor(x)) = s.ryw else {
        return s.to_node;
    };
    if r.server == ReadServer::Primary || !users.wrote_within(s.dataset, r.user, now, x) {
        return s.to_node;
    }
    r.node = placement.write_node(usize::from(s.shard), s.serve, net);
    r.server = ReadServer::Primary;
    if r.bucket != NOT_MEASURED {
        metrics.record_ryw_mitigated(s.client, TO_PRIMARY);
    }
    net.link(s.serve, r.node)
}

/// Who of `s`'s users sends the request at `now`, and its key (the user's
/// own with per-user keys, else `key`); counts a session miss at the app
/// tier it goes to.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn attribute(
    s: &mut Source,
    pool: crate::scenario::UserPool,
    key: u32,
    now: Time,
    bucket: Option<usize>,
    users: &mut Users,
    net: &Network,
    metrics: &mut RunMetrics,
) -> (u32, u32) {
    let user = users.pick(pool, s.region, now, s.roam_delay, &mut s.rng_users);
    let (miss, outside) = users.session(user, s.serve, now, net);
    if let Some(b) = bucket {
        if miss {
            metrics.record_session_miss(s.client, b);
        }
        metrics.record_session_residency(u64::from(outside));
    }
    (user, if s.per_user { user } else { key })
}

impl World {
    /// A source sends a request.
    #[inline(always)]
    pub(super) fn on_arrival(
        &mut self,
        now: Time,
        source: u16,
        epoch: u16,
        sched: &mut Scheduler<Event>,
    ) {
        if epoch != self.sources[usize::from(source)].epoch {
            // Drawn at a rate a load burst has since changed.
            return;
        }
        let bucket = self.bucket_of(now);
        let World {
            sources,
            placements,
            metrics,
            requests,
            net,
            end,
            route_version,
            dns,
            stations,
            users,
            ..
        } = self;
        let s = &mut sources[usize::from(source)];
        s.route_for_next(
            &placements[usize::from(s.dataset)],
            net,
            dns.as_ref(),
            *route_version,
        );
        let key = s.keys.key_of(s.next_key);
        let (user, key) = match s.users {
            None => (NO_USER, key),
            Some(pool) => attribute(s, pool, key, now, bucket, users, net, metrics),
        };
        placements[usize::from(s.dataset)].prefetch(key, s.read);
        let (req, r) = requests.open(Request {
            source,
            user,
            attempt: 1,
            pending: 0,
            done: false,
            key,
            bucket: bucket.map_or(NOT_MEASURED, |b| b as u32),
            serve: s.serve,
            node: s.node,
            server: s.read.unwrap_or(ReadServer::Primary),
            first_sent: now,
            deadline: Time::NEVER,
            timer: None,
        });
        let to_node = if user != NO_USER && s.ryw.is_some() && s.op == Op::Read {
            primary_after_write(
                r,
                s,
                now,
                &placements[usize::from(s.dataset)],
                users,
                net,
                metrics,
            )
        } else {
            s.to_node
        };
        let app_queue = stations.any_app && stations.app(s.serve).is_some();
        send(req, r, s, net, metrics, now, sched, app_queue, to_node);
        // Lost on the way with no timeout to wait for: failed already.
        if r.done {
            requests.free_slot(req);
        }
        let next = s.next_arrival(now, *end);
        if next < *end {
            s.next_key = s.rng_keys.next_u64();
            s.keys.prefetch(s.next_key);
            let epoch = s.epoch;
            sched.schedule(next, event(ClientEvent::Arrival { source, epoch }));
        }
    }

    /// The users of `region` send `load` times their requests from `now`:
    /// each of their sources draws its next arrival again at the new rate
    /// (Poisson arrivals have no memory, so this is exact).
    #[cold]
    #[inline(never)]
    pub(super) fn set_load(
        &mut self,
        region: RegionId,
        load: f64,
        now: Time,
        sched: &mut Scheduler<Event>,
    ) {
        for (i, s) in self.sources.iter_mut().enumerate() {
            if s.region != region || s.load == load {
                continue;
            }
            s.load = load;
            s.epoch = s.epoch.wrapping_add(1);
            let next = s.next_arrival(now, self.end);
            if next < self.end {
                let (source, epoch) = (i as u16, s.epoch);
                sched.schedule(next, event(ClientEvent::Arrival { source, epoch }));
            }
        }
    }

    /// Attempt `attempt` of `req` reaches its node (`queued`: a write that
    /// has waited in its primary's commit queue and commits now).
    #[inline(always)]
    pub(super) fn on_at_node(
        &mut self,
        now: Time,
        req: u32,
        attempt: u8,
        queued: bool,
        sched: &mut Scheduler<Event>,
    ) {
        let World {
            requests,
            sources,
            placements,
            net,
            metrics,
            trace,
            warmup,
            end,
            routes_changed,
            stations,
            users,
            early_replies,
            ..
        } = self;
        let r = &mut requests.slots[req as usize];
        r.pending -= 1;
        let live = !r.done && r.attempt == attempt;
        let s = &mut sources[usize::from(r.source)];
        let placement = &mut placements[usize::from(s.dataset)];
        if !net.db_up(r.node) {
            // The node is down: the attempt is not answered.
            if live && s.timeout.is_none() {
                fail(r, s, metrics);
            }
            if r.done && r.pending == 0 {
                requests.free_slot(req);
            }
            return;
        }
        // The node's answer: now (with a read's staleness), later (a write
        // waiting for replicas), or never (no copy there any more).
        let mut later = false;
        let mut shed = false;
        let mut anomalies = 0;
        let answer: Option<Option<Duration>> = match s.read {
            Some(_) => {
                // A failover may have changed what the node holds since the
                // attempt was sent.
                let server = if placement.serves(r.key, r.node, r.server) {
                    Some(r.server)
                } else {
                    server_now(placement, r.key, r.node)
                };
                match server {
                    Some(server) => {
                        let oldest = placement.on_read(r.key, server);
                        let found = if r.user == NO_USER {
                            Some(0)
                        } else {
                            let at = Here {
                                req,
                                attempt,
                                now,
                                oldest,
                                server,
                            };
                            user_read(at, r, s, placement, users, net, metrics, sched)
                        };
                        match found {
                            Some(found) => {
                                anomalies = found;
                                Some((oldest <= now).then(|| now.since(oldest)))
                            }
                            // Held for the user's own write, or sent on to
                            // the primary: answered later.
                            None => {
                                later = true;
                                None
                            }
                        }
                    }
                    None => None,
                }
            }
            None => {
                let queue = if queued {
                    None
                } else {
                    stations.commit(s.dataset, r.node)
                };
                if let Some(q) = queue {
                    // It waits for a commit server first, and commits when
                    // served (`ClientEvent::Commit`).
                    later = true;
                    match q.admit(now) {
                        Some(done) => {
                            r.pending += 1;
                            sched.schedule(done, event(ClientEvent::Commit { req, attempt }));
                        }
                        None => shed = live,
                    }
                    None
                } else {
                    let mut ctx = Ctx {
                        net,
                        sched,
                        metrics,
                        warmup: *warmup,
                        end: *end,
                        trace,
                        routes_changed,
                        early_replies,
                    };
                    // Only an attempt still awaited can be answered early.
                    let ticket = live.then_some(super::placement::Ticket { req, attempt });
                    let acked = placement.on_write(now, r.key, r.node, ticket, &mut ctx);
                    if r.user != NO_USER && acked != Time::NEVER {
                        users.wrote(s.dataset, r.user, r.key, r.node, now);
                    }
                    if acked != now && acked != Time::NEVER && live {
                        later = true;
                        r.pending += 1;
                        sched.schedule(acked, event(ClientEvent::Reply { req, attempt }));
                    }
                    (acked == now).then_some(None)
                }
            }
        };
        if shed {
            // The commit queue was full: the client is told at once.
            return self.rejected(now, req, sched);
        }
        if live {
            match answer {
                Some(stale) => {
                    let answered = respond(r, s, net, metrics, now, stale, anomalies, sched);
                    if r.user != NO_USER && s.op == Op::Write {
                        if let Some(at) = answered {
                            users.acked(s.dataset, r.user, r.key, at);
                        }
                    }
                }
                // Never answered: without a timeout the user waits for ever.
                None if !later && s.timeout.is_none() => fail(r, s, metrics),
                None => {}
            }
        }
        if r.done && r.pending == 0 {
            requests.free_slot(req);
        }
    }

    /// Attempt `attempt` of `req` reaches an app tier with finite capacity:
    /// it waits for a worker, and goes on to its node when served; a full
    /// queue sheds it.
    #[inline(never)]
    pub(super) fn on_at_app(
        &mut self,
        now: Time,
        req: u32,
        attempt: u8,
        sched: &mut Scheduler<Event>,
    ) {
        let r = &mut self.requests.slots[req as usize];
        r.pending -= 1;
        let live = !r.done && r.attempt == attempt;
        let s = &mut self.sources[usize::from(r.source)];
        // An attempt given up on still takes a worker: the app tier does
        // not know its client stopped waiting.
        let outcome = if self.net.app_up(r.serve) {
            let q = self
                .stations
                .app(r.serve)
                .expect("AtApp is scheduled only for an app tier with capacity");
            q.admit(now).ok_or(q.shed)
        } else {
            // Down: nobody takes it.
            Err(Shed::Timeout)
        };
        match outcome {
            Ok(done) => {
                let link = self.net.link(r.serve, r.node);
                match self.net.transit(link, done, s.bytes_in, &mut s.rng_network) {
                    Some(at) => {
                        r.pending += 1;
                        sched.schedule(at, event(ClientEvent::AtNode { req, attempt }));
                    }
                    None if live && s.timeout.is_none() => fail(r, s, &mut self.metrics),
                    None => {}
                }
            }
            Err(Shed::Reject) if live => return self.rejected(now, req, sched),
            Err(_) if live && s.timeout.is_none() => fail(r, s, &mut self.metrics),
            Err(_) => {}
        }
        self.requests.release_if_done(req);
    }

    /// The current attempt of `req` was turned away by a full queue at
    /// `now`, and its client told at once: it retries after its backoff, or
    /// fails when its retries are used up.
    #[cold]
    #[inline(never)]
    fn rejected(&mut self, now: Time, req: u32, sched: &mut Scheduler<Event>) {
        if let Some(timer) = self.requests.slots[req as usize].timer.take() {
            sched.cancel(timer);
        }
        self.on_deadline(now, req, sched);
        self.requests.release_if_done(req);
    }

    /// A strategy acknowledges `ticket` at `at`, earlier than it said at
    /// commit: a second `Reply`; the one at the old time finds the request
    /// answered. (The request is kept by that one until then.)
    #[cold]
    #[inline(never)]
    pub(super) fn early_reply(
        &mut self,
        at: Time,
        ticket: super::placement::Ticket,
        sched: &mut Scheduler<Event>,
    ) {
        let r = &mut self.requests.slots[ticket.req as usize];
        if r.done || r.attempt != ticket.attempt {
            return;
        }
        r.pending += 1;
        let (req, attempt) = (ticket.req, ticket.attempt);
        sched.schedule(at, event(ClientEvent::Reply { req, attempt }));
    }

    /// The primary acknowledges attempt `attempt` of write `req`.
    #[inline(never)]
    pub(super) fn on_reply(
        &mut self,
        now: Time,
        req: u32,
        attempt: u8,
        sched: &mut Scheduler<Event>,
    ) {
        let r = &mut self.requests.slots[req as usize];
        r.pending -= 1;
        if !r.done && r.attempt == attempt {
            let s = &mut self.sources[usize::from(r.source)];
            if self.net.db_up(r.node) {
                let answered = respond(r, s, &mut self.net, &mut self.metrics, now, None, 0, sched);
                if let (Some(at), true) = (answered, r.user != NO_USER) {
                    self.users.acked(s.dataset, r.user, r.key, at);
                }
            } else if s.timeout.is_none() {
                // The primary went down before it could acknowledge.
                fail(r, s, &mut self.metrics);
            }
        }
        self.requests.release_if_done(req);
    }

    /// The current attempt of `req` timed out at `now`.
    #[inline(never)]
    pub(super) fn on_deadline(&mut self, now: Time, req: u32, sched: &mut Scheduler<Event>) {
        let r = &mut self.requests.slots[req as usize];
        let measured = r.bucket != NOT_MEASURED;
        r.timer = None;
        let s = &self.sources[usize::from(r.source)];
        if r.attempt <= s.retries {
            // Backoff before retry n is backoff * 2^(n-1).
            let wait =
                Duration::from_nanos(s.backoff.as_nanos().saturating_mul(1 << (r.attempt - 1)));
            r.attempt += 1;
            r.pending += 1;
            if measured {
                self.metrics.record_retry(s.client);
            }
            sched.schedule(now + wait, event(ClientEvent::Retry { req }));
        } else {
            fail(r, s, &mut self.metrics);
            self.requests.release_if_done(req);
        }
    }

    /// `req` is sent again.
    #[inline(never)]
    pub(super) fn on_retry(&mut self, now: Time, req: u32, sched: &mut Scheduler<Event>) {
        let r = &mut self.requests.slots[req as usize];
        r.pending -= 1;
        let s = &mut self.sources[usize::from(r.source)];
        s.route_for_next(
            &self.placements[usize::from(s.dataset)],
            &self.net,
            self.dns.as_ref(),
            self.route_version,
        );
        r.serve = s.serve;
        r.node = s.node;
        r.server = s.read.unwrap_or(ReadServer::Primary);
        let to_node = if r.user != NO_USER && s.ryw.is_some() && s.op == Op::Read {
            primary_after_write(
                r,
                s,
                now,
                &self.placements[usize::from(s.dataset)],
                &self.users,
                &self.net,
                &mut self.metrics,
            )
        } else {
            s.to_node
        };
        let app_queue = self.stations.any_app && self.stations.app(s.serve).is_some();
        send(
            req,
            r,
            s,
            &mut self.net,
            &mut self.metrics,
            now,
            sched,
            app_queue,
            to_node,
        );
        self.requests.release_if_done(req);
    }

    /// The run is over: requests still open (a write waiting for a replica
    /// that never answered, with no timeout) failed.
    pub(super) fn fail_open_requests(&mut self) {
        for req in self.requests.open_ids() {
            let r = &mut self.requests.slots[req as usize];
            fail(r, &self.sources[usize::from(r.source)], &mut self.metrics);
        }
    }
}
