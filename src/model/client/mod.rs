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
//!
//! # Files
//! Here: sources, requests and the request table. `path.rs`: one
//! attempt's way out and back, failure and recovery. `reads.rs`: users'
//! reads and sessions (read-your-writes mitigations, who sends a request).
//! `handlers.rs`: the world's client events.

mod budget;
mod handlers;
mod path;
mod reads;

pub use budget::RetryBudget;
use path::*;
use reads::*;

use super::net::LinkId;
use super::net::Network;
use super::placement::{Answer, ReadServer};
use super::truth::{staleness, Truth};
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
    /// Attempt `attempt` of read `req` is hedged if it is still waiting.
    Hedge { req: u32, attempt: u8 },
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
    /// The user of the next request (before any redraw, see
    /// [`crate::model::users::Users::pick`]), drawn with `next_key` for the
    /// same reason: with millions of users, their state is a cache miss.
    pub next_user: u32,
    pub timeout: Option<Duration>,
    pub retries: u8,
    pub backoff: Duration,
    /// How each retry's wait is drawn, and its cap.
    pub jitter: crate::scenario::Jitter,
    pub max_backoff: Option<Duration>,
    /// No retry starts later than this after the first send.
    pub deadline: Option<Duration>,
    /// gRPC's retry throttling: (max_tokens, token_ratio), and the tokens
    /// the client holds now.
    pub throttle: Option<(f64, f64)>,
    pub tokens: f64,
    /// Finagle's retry budget, if the client keeps one.
    pub budget: Option<Box<budget::RetryBudget>>,
    /// Reads: a second attempt after this long without an answer.
    pub hedge_after: Option<Duration>,
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
    /// Which requests a gray failure of the app tier fails.
    pub rng_errors: SimRng,
    /// Retries' jittered waits.
    pub rng_backoff: SimRng,
}

impl Source {
    /// The wait before retry `n` (after attempt `n` failed), the wait
    /// before the failed attempt being `last` (zero for the first): the
    /// backoff doubled n - 1 times, capped, and drawn by the jitter
    /// (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
    pub(super) fn retry_wait(&mut self, n: u8, last: Duration) -> Duration {
        use crate::scenario::Jitter;
        let cap = self.max_backoff.unwrap_or(Duration::from_nanos(u64::MAX));
        let v = Duration::from_nanos(
            self.backoff
                .as_nanos()
                .saturating_mul(1u64 << u32::from(n - 1).min(62)),
        )
        .min(cap);
        let uniform = |rng: &mut SimRng, lo: u64, hi: u64| {
            if hi <= lo {
                lo
            } else {
                rng.random_range(lo..=hi)
            }
        };
        match self.jitter {
            Jitter::None => v,
            Jitter::Full => Duration::from_nanos(uniform(&mut self.rng_backoff, 0, v.as_nanos())),
            Jitter::Equal => {
                let half = v.as_nanos() / 2;
                Duration::from_nanos(half + uniform(&mut self.rng_backoff, 0, half))
            }
            Jitter::Decorrelated => {
                let base = self.backoff.as_nanos();
                let prev = if last == Duration::ZERO {
                    base
                } else {
                    last.as_nanos()
                };
                let hi = prev.saturating_mul(3);
                Duration::from_nanos(uniform(&mut self.rng_backoff, base, hi)).min(cap)
            }
        }
    }

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
            Some(d) if d.slots() > 1 => self.rng_routing.random_range(0..d.slots()) as u16,
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

    /// Draws the first arrival time (before `end`, or none), key and user.
    pub fn first_arrival(&mut self, end: Time) -> Time {
        let at = self.next_arrival(Time::ZERO, end);
        self.next_key = self.rng_keys.next_u64();
        self.draw_user();
        at
    }

    /// Draws the next request's user (users only), from the same stream
    /// and in the same order as drawing it at the arrival would.
    #[inline]
    pub fn draw_user(&mut self) {
        if let Some(pool) = self.users {
            self.next_user = crate::model::users::draw(pool, &mut self.rng_users);
        }
    }
}

/// One request, from its first send until nothing refers to it.
struct Request {
    source: u16,
    /// The user who sent it ([`NO_USER`]: users are not modelled).
    user: u32,
    /// The attempt under way, from 1 (hedges count as attempts).
    attempt: u8,
    /// The attempt a hedge was sent for, still answered as the hedge is
    /// (0: the attempt under way is not a hedge).
    hedged: u8,
    /// Hedges sent (attempts that are not retries).
    hedges: u8,
    /// Events in the queue that carry this request.
    pending: u8,
    /// Its fate is known (succeeded or failed).
    done: bool,
    /// The wait before the current attempt (decorrelated jitter draws the
    /// next from it; zero before a first retry).
    last_wait: Duration,
    /// A read-your-writes mitigation has held the current attempt (a
    /// read held while the write waits in the primary's log is held again
    /// when it has left, and counted once).
    held: bool,
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

impl Request {
    /// Whether an answer to `attempt` is still wanted: the request is not
    /// done, and it is the attempt under way or the one it hedges.
    #[inline(always)]
    fn wants(&self, attempt: u8) -> bool {
        !self.done && (self.attempt == attempt || self.hedged == attempt)
    }

    /// Retries made so far (attempts after the first that were not
    /// hedges).
    fn retries_made(&self) -> u8 {
        self.attempt - 1 - self.hedges
    }
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
