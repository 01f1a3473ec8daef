//! The world's client events: arrivals, a request at its node, responses, timeouts and retries.

use super::*;
use crate::model::placement::QuorumRead;

impl World {
    /// A source sends a request.
    #[inline(always)]
    pub(in crate::model) fn on_arrival(
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
            truth,
            ..
        } = self;
        let s = &mut sources[usize::from(source)];
        if let Some(b) = s.budget.as_mut() {
            b.deposit(now);
        }
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
            hedged: 0,
            hedges: 0,
            pending: 0,
            done: false,
            held: false,
            last_wait: Duration::ZERO,
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
                truth,
                net,
                metrics,
            )
        } else {
            s.to_node
        };
        let app_queue = stations.any_app && stations.app(s.serve).is_some();
        send(
            req, r, s, net, metrics, now, sched, app_queue, to_node, false,
        );
        // Lost on the way with no timeout to wait for: failed already.
        if r.done {
            requests.free_slot(req);
        }
        let next = s.next_arrival(now, *end);
        if next < *end {
            s.next_key = s.rng_keys.next_u64();
            s.keys.prefetch(s.next_key);
            if s.users.is_some() {
                s.draw_user();
                users.prefetch(s.next_user);
                truth.prefetch(s.dataset, s.next_user);
            }
            let epoch = s.epoch;
            sched.schedule(next, event(ClientEvent::Arrival { source, epoch }));
        }
    }

    /// The users of `region` send `load` times their requests from `now`:
    /// each of their sources draws its next arrival again at the new rate
    /// (Poisson arrivals have no memory, so this is exact).
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn set_load(
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
    pub(in crate::model) fn on_at_node(
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
            truth,
            early_replies,
            ..
        } = self;
        let r = &mut requests.slots[req as usize];
        r.pending -= 1;
        let live = r.wants(attempt);
        let s = &mut sources[usize::from(r.source)];
        let placement = &mut placements[usize::from(s.dataset)];
        net.set_owner(s.dataset);
        // A gray failure: the app tier that took the attempt fails it (an
        // error its client learns at once), healthy as its checks see it.
        if net.gray_error(r.serve, &mut s.rng_errors) {
            if live {
                if r.bucket != NOT_MEASURED {
                    metrics.record_app_error(s.client);
                }
                return self.rejected(now, req, sched);
            }
            if r.done && r.pending == 0 {
                requests.free_slot(req);
            }
            return;
        }
        if !net.db_up(r.node) {
            // The node is down: the attempt is not answered (nor asked
            // about again, if its replicas were answering it).
            placement.forget_read(req);
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
                // A quorum's coordinator asks its replicas first.
                let quorum = if placement.reads_by_quorum() {
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
                    server.map(|server| {
                        placement.quorum_read(now, r.key, server, (req, attempt), &mut ctx)
                    })
                } else {
                    Some(QuorumRead::Serve)
                };
                match (server, quorum) {
                    (_, Some(QuorumRead::Later(t))) => {
                        later = true;
                        r.pending += 1;
                        sched.schedule(t, event(ClientEvent::AtNode { req, attempt }));
                        None
                    }
                    // The replicas' answers are in: the read's version
                    // is that of when it reached its coordinator.
                    (
                        Some(server),
                        Some(QuorumRead::Done {
                            start,
                            oldest,
                            frontier,
                        }),
                    ) => {
                        let found = if r.user == NO_USER {
                            Some(0)
                        } else {
                            let at = Here {
                                req,
                                attempt,
                                now: start,
                                oldest: frontier,
                                server,
                            };
                            user_read(at, r, s, placement, truth, net, metrics, sched)
                        };
                        match found {
                            Some(found) => {
                                anomalies = found;
                                Some(staleness(oldest, start))
                            }
                            None => {
                                later = true;
                                None
                            }
                        }
                    }
                    (_, Some(QuorumRead::Unavailable)) => None,
                    (Some(server), _) => {
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
                            user_read(at, r, s, placement, truth, net, metrics, sched)
                        };
                        match found {
                            Some(found) => {
                                anomalies = found;
                                Some(staleness(oldest, now))
                            }
                            // Held for the user's own write, or sent on to
                            // the primary: answered later.
                            None => {
                                later = true;
                                None
                            }
                        }
                    }
                    (None, _) => None,
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
                    let ticket = live.then_some(super::super::placement::Ticket { req, attempt });
                    let acked = placement.on_write(now, r.key, r.node, ticket, &mut ctx);
                    // Refused with a retryable error: the client is told
                    // at once, as when a commit queue is full.
                    let acked = if acked == super::super::placement::REFUSED {
                        shed = live;
                        Time::NEVER
                    } else {
                        acked
                    };
                    if r.user != NO_USER && acked != Time::NEVER {
                        truth.wrote(s.dataset, r.user, r.key, r.node, now);
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
                            truth.acked(s.dataset, r.user, r.key, at);
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
    pub(in crate::model) fn on_at_app(
        &mut self,
        now: Time,
        req: u32,
        attempt: u8,
        sched: &mut Scheduler<Event>,
    ) {
        let r = &mut self.requests.slots[req as usize];
        r.pending -= 1;
        let live = r.wants(attempt);
        let s = &mut self.sources[usize::from(r.source)];
        self.net.set_owner(s.dataset);
        // An attempt given up on still takes a worker: the app tier does
        // not know its client stopped waiting.
        let outcome = if self.net.app_up(r.serve) {
            let factor = self.net.app_factor(r.serve);
            let q = self
                .stations
                .app(r.serve)
                .expect("AtApp is scheduled only for an app tier with capacity");
            q.admit_slowed(now, factor).ok_or(q.shed)
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
    pub(in crate::model) fn early_reply(
        &mut self,
        at: Time,
        ticket: super::super::placement::Ticket,
        sched: &mut Scheduler<Event>,
    ) {
        let r = &mut self.requests.slots[ticket.req as usize];
        if !r.wants(ticket.attempt) {
            return;
        }
        r.pending += 1;
        let (req, attempt) = (ticket.req, ticket.attempt);
        sched.schedule(at, event(ClientEvent::Reply { req, attempt }));
    }

    /// The primary acknowledges attempt `attempt` of write `req`.
    #[inline(never)]
    pub(in crate::model) fn on_reply(
        &mut self,
        now: Time,
        req: u32,
        attempt: u8,
        sched: &mut Scheduler<Event>,
    ) {
        let r = &mut self.requests.slots[req as usize];
        r.pending -= 1;
        if r.wants(attempt) {
            let s = &mut self.sources[usize::from(r.source)];
            if self.net.db_up(r.node) {
                let answered = respond(r, s, &mut self.net, &mut self.metrics, now, None, 0, sched);
                if let (Some(at), true) = (answered, r.user != NO_USER) {
                    self.truth.acked(s.dataset, r.user, r.key, at);
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
    pub(in crate::model) fn on_deadline(
        &mut self,
        now: Time,
        req: u32,
        sched: &mut Scheduler<Event>,
    ) {
        let r = &mut self.requests.slots[req as usize];
        let measured = r.bucket != NOT_MEASURED;
        r.timer = None;
        let s = &mut self.sources[usize::from(r.source)];
        // gRPC's throttling: a failed attempt takes a token; the client
        // retries only while it holds more than half its tokens.
        let throttled = match s.throttle {
            Some((max, _)) => {
                s.tokens = (s.tokens - 1.0).max(0.0);
                s.tokens <= max / 2.0
            }
            None => false,
        };
        let retry = r.retries_made() + 1;
        if retry <= s.retries && throttled && measured {
            self.metrics.record_throttled(s.client);
        }
        // A retry that would start past the deadline across attempts is
        // not made.
        let wait = if retry <= s.retries && !throttled {
            Some(s.retry_wait(retry, r.last_wait))
                .filter(|&w| s.deadline.is_none_or(|d| now + w <= r.first_sent + d))
        } else {
            None
        };
        // Finagle's budget pays for the retry, or holds it back.
        let wait = wait.filter(|_| {
            let paid = s.budget.as_mut().is_none_or(|b| b.try_withdraw(now));
            if !paid && measured {
                self.metrics.record_throttled(s.client);
            }
            paid
        });
        if let Some(wait) = wait {
            r.last_wait = wait;
            r.attempt += 1;
            r.hedged = 0;
            r.held = false;
            r.pending += 1;
            let client = s.client;
            if measured {
                self.metrics.record_retry(client);
            }
            let sent = now + wait;
            if let Some(b) = self.bucket_of(sent) {
                self.metrics.record_retry_sent(client, b);
            }
            sched.schedule(sent, event(ClientEvent::Retry { req }));
        } else {
            fail(r, s, &mut self.metrics);
            self.requests.release_if_done(req);
        }
    }

    /// `req` is sent again.
    #[inline(never)]
    pub(in crate::model) fn on_retry(&mut self, now: Time, req: u32, sched: &mut Scheduler<Event>) {
        self.requests.slots[req as usize].pending -= 1;
        self.resend(now, req, false, sched);
        self.requests.release_if_done(req);
    }

    /// Attempt `attempt` of read `req` has waited its client's hedge time:
    /// if it is still the attempt under way, unanswered, a second is sent
    /// (over the route the source takes now) and the first answer of the
    /// two wins. The hedge shares the first's deadline; neither is
    /// cancelled when the other answers (a server does not learn that).
    #[inline(never)]
    pub(in crate::model) fn on_hedge(
        &mut self,
        now: Time,
        req: u32,
        attempt: u8,
        sched: &mut Scheduler<Event>,
    ) {
        let r = &mut self.requests.slots[req as usize];
        r.pending -= 1;
        if !(r.done || r.attempt != attempt || r.hedged != 0 || r.attempt == u8::MAX - 1) {
            r.hedged = r.attempt;
            r.attempt += 1;
            r.hedges += 1;
            if r.bucket != NOT_MEASURED {
                let client = self.sources[usize::from(r.source)].client;
                self.metrics.record_hedge(client);
            }
            self.resend(now, req, true, sched);
        }
        self.requests.release_if_done(req);
    }

    /// Sends the attempt of `req` now under way, over the route its
    /// source takes now: a retry, or a hedge (`hedge`).
    fn resend(&mut self, now: Time, req: u32, hedge: bool, sched: &mut Scheduler<Event>) {
        let r = &mut self.requests.slots[req as usize];
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
                &self.truth,
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
            hedge,
        );
    }

    /// The run is over: requests still open (a write waiting for a replica
    /// that never answered, with no timeout) failed.
    pub(in crate::model) fn fail_open_requests(&mut self) {
        for req in self.requests.open_ids() {
            let r = &mut self.requests.slots[req as usize];
            fail(r, &self.sources[usize::from(r.source)], &mut self.metrics);
        }
    }
}
